package tlsca

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"testing"
)

func TestLeafVerifiesAgainstCAAndHashMatches(t *testing.T) {
	a, err := New([]string{"app.localhost", "app.example.com", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"app.localhost", "app.example.com", "127.0.0.1"} {
		if _, err := a.Leaf.Leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: a.Pool()}); err != nil {
			t.Errorf("leaf does not verify for %q: %v", host, err)
		}
	}
	sum := sha256.Sum256(a.Leaf.Leaf.RawSubjectPublicKeyInfo)
	if got := base64.StdEncoding.EncodeToString(sum[:]); got != a.SPKIHash {
		t.Errorf("SPKIHash = %q; want %q", a.SPKIHash, got)
	}
	b, _ := New([]string{"app.localhost"})
	if b.SPKIHash == a.SPKIHash {
		t.Error("two authorities share a key; want a fresh key per start")
	}
}

func TestNewRejectsNoHosts(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Fatal("New(nil) succeeded; want an error")
	}
}
