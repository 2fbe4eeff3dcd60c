// Package tlsca makes the ephemeral certificate authority that serves the
// HTTPS origins. Keys live only in memory: nothing is written to disk and no
// key material is committed. Chrome is told to accept exactly the one leaf
// certificate by its SubjectPublicKeyInfo hash
// (--ignore-certificate-errors-spki-list), so no other certificate error is
// ignored and no CA is added to any trust store.
//
// The CA's private key is dropped as soon as the leaf is signed; an
// Authority holds one private key, Leaf.PrivateKey. Tests hold the package
// to "never on disk": it may import nothing that reaches the file system
// (nodisk_test.go), and suites/faults searches the temp dir, Chrome's
// profile, the repository and $HOME for the leaf key after an HTTPS run.
package tlsca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Authority is an in-memory CA with one leaf certificate for a fixed set of
// host names.
type Authority struct {
	// CA is the self-signed root. Go clients may trust it through Pool.
	CA *x509.Certificate
	// Leaf is the server certificate every HTTPS origin presents.
	Leaf tls.Certificate
	// SPKIHash is the base64 SHA-256 of Leaf's SubjectPublicKeyInfo, the value
	// Chrome's --ignore-certificate-errors-spki-list takes.
	SPKIHash string
}

// New makes a CA valid for one day and a leaf for hosts (DNS names or IPs).
func New(hosts []string) (*Authority, error) {
	if len(hosts) == 0 {
		return nil, fmt.Errorf("tlsca: no host names given; pass at least one")
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tlsca: generating CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "corsgate ephemeral CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("tlsca: signing CA: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("tlsca: parsing CA: %w", err)
	}

	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tlsca: generating leaf key: %w", err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			leafTmpl.IPAddresses = append(leafTmpl.IPAddresses, ip)
		} else {
			leafTmpl.DNSNames = append(leafTmpl.DNSNames, h)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("tlsca: signing leaf for %q: %w", hosts, err)
	}
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		return nil, fmt.Errorf("tlsca: parsing leaf: %w", err)
	}
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	return &Authority{
		CA: ca,
		Leaf: tls.Certificate{
			Certificate: [][]byte{leafDER, caDER},
			PrivateKey:  leafKey,
			Leaf:        leaf,
		},
		SPKIHash: base64.StdEncoding.EncodeToString(sum[:]),
	}, nil
}

// ServerConfig is a TLS configuration that presents the leaf.
func (a *Authority) ServerConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{a.Leaf}, MinVersion: tls.VersionTLS12}
}

// Pool is a certificate pool that trusts only the CA, for Go-side clients.
func (a *Authority) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(a.CA)
	return p
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}
