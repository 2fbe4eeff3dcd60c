package faults

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http/httptest"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/fixtures"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/match"
	"github.com/corsgate/corsgate/origins"
)

// expiredCert is a self-signed certificate for 127.0.0.1 and localhost whose
// validity ended yesterday. It lives only in memory.
func expiredCert() tls.Certificate {
	GinkgoHelper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "corsgate expired"},
		NotBefore:             now.Add(-30 * 24 * time.Hour),
		NotAfter:              now.Add(-24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	Expect(err).NotTo(HaveOccurred())
	leaf, err := x509.ParseCertificate(der)
	Expect(err).NotTo(HaveOccurred())
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// tlsTarget starts an HTTPS server on 127.0.0.1 answering with correct CORS
// headers for the App page; with no certificate it presents httptest's own
// self-signed one.
func tlsTarget(certs ...tls.Certificate) *httptest.Server {
	GinkgoHelper()
	app := env.MustOrigin(origins.App).Serialize()
	srv := httptest.NewUnstartedServer(fixtures.HugeBody(app, 2))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	if len(certs) > 0 {
		srv.TLS = &tls.Config{Certificates: certs, MinVersion: tls.VersionTLS12}
	}
	srv.StartTLS()
	DeferCleanup(srv.Close)
	return srv
}

var _ = Describe("invalid TLS certificates", Label("tls"), func() {
	It("self-signed: a network failure with a certificate error, not a CORS verdict", func(ctx SpecContext) {
		srv := tlsTarget()
		o := run(ctx, harness.Probe{URL: srv.URL + "/self-signed"})
		// Observed in Chromium 156: net::ERR_CERT_AUTHORITY_INVALID.
		Expect(o).To(match.HaveNetworkFailure("net::ERR_CERT_"))
	}, SpecTimeout(20*time.Second))

	It("expired: a network failure with a certificate error, not a CORS verdict", func(ctx SpecContext) {
		srv := tlsTarget(expiredCert())
		// The server really presents the expired certificate.
		conn, err := tls.Dial("tcp", srv.Listener.Addr().String(), &tls.Config{InsecureSkipVerify: true}) // inspection only
		Expect(err).NotTo(HaveOccurred())
		presented := conn.ConnectionState().PeerCertificates[0]
		_ = conn.Close()
		Expect(presented.NotAfter).To(BeTemporally("<", time.Now()), "the certificate on the wire has expired")

		o := run(ctx, harness.Probe{URL: srv.URL + "/expired"})
		// Observed in Chromium 156: net::ERR_CERT_AUTHORITY_INVALID, not
		// ERR_CERT_DATE_INVALID. The certificate is also untrusted (no CA
		// is added to any trust store) and Chrome reports the most serious
		// of a certificate's errors; only a trusted chain could isolate
		// the date error.
		Expect(o).To(match.HaveNetworkFailure("net::ERR_CERT_"))
	}, SpecTimeout(20*time.Second))
})
