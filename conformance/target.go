package conformance

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/corsgate/corsgate/internal/loopback"
)

// ErrEnvironment wraps problems that stop a run before any verdict: an
// unreachable target, a TLS failure.
var ErrEnvironment = errors.New("conformance: environment")

// CheckReachable asks target for a response with a plain HTTP client, so an
// unreachable target (refused, DNS, TLS, timeout) stops the run with one
// line instead of producing a matrix of failures.
func CheckReachable(ctx context.Context, target string) error {
	client := &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{DialContext: loopback.DialLocalhost, TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, target+"/", nil)
	if err != nil {
		return fmt.Errorf("%w: target %q: %v; write scheme://host[:port]", ErrEnvironment, target, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		var why string
		var cert *tls.CertificateVerificationError
		switch {
		case errors.As(err, &cert):
			why = "its TLS certificate is not trusted"
		case strings.Contains(err.Error(), "connection refused"):
			why = "connection refused"
		case strings.Contains(err.Error(), "no such host"):
			why = "the host name does not resolve"
		case strings.Contains(err.Error(), "Client.Timeout") || errors.Is(err, context.DeadlineExceeded):
			why = "no answer within 10s"
		default:
			why = err.Error()
		}
		return fmt.Errorf("%w: target %q is unreachable: %s; check TARGET and that the API is up", ErrEnvironment, target, why)
	}
	resp.Body.Close()
	return nil
}
