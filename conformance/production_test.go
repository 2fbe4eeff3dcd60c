package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/corsgate/corsgate/internal/loopback"
	"github.com/corsgate/corsgate/report"
)

func TestDetectTLS(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	plain := httptest.NewServer(h)
	defer plain.Close()
	secure := httptest.NewTLSServer(h)
	defer secure.Close()
	for _, tc := range []struct {
		name, addr string
		want       bool
	}{
		{"plain HTTP", strings.TrimPrefix(plain.URL, "http://"), false},
		{"TLS", strings.TrimPrefix(secure.URL, "https://"), true},
	} {
		got, err := DetectTLS(context.Background(), tc.addr, "https://api.example.com")
		if err != nil || got != tc.want {
			t.Errorf("%s: DetectTLS(%s) = %v, %v; want %v", tc.name, tc.addr, got, err, tc.want)
		}
	}
	port, err := loopback.ClosedPort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	_, err = DetectTLS(context.Background(), addr, "https://api.example.com")
	if !errors.Is(err, ErrEnvironment) || !strings.Contains(err.Error(), `address "`+addr+`" is unreachable: connection refused`) {
		t.Errorf("closed port: %v", err)
	}
}

func TestConfigFromEnvAddress(t *testing.T) {
	file := writePolicy(t, "target: https://api.example.com\norigins: [https://app.example.com]\n")
	c, err := ConfigFromEnv(fakeEnv("POLICY", file, "ADDRESS", "127.0.0.1:8080"))
	if err != nil || c.Policy.Address != "127.0.0.1:8080" || c.Policy.Target != "https://api.example.com" || c.Demo {
		t.Fatalf("ADDRESS: %+v, %v", c, err)
	}
	c, err = ConfigFromEnv(fakeEnv())
	if err != nil || !c.Demo || c.Policy.Address == "" {
		t.Fatalf("the demo runs through an address: %+v, %v", c, err)
	}
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{[]string{"ADDRESS", "127.0.0.1:8080"}, `conformance: ADDRESS="127.0.0.1:8080" needs a POLICY whose target is the API's production name (e.g. target: https://api.example.com)`},
		{[]string{"POLICY", file, "ADDRESS", "http://127.0.0.1:8080"}, `policy: address (from ADDRESS) "http://127.0.0.1:8080" is a URL; write host:port only, e.g. "127.0.0.1:8080" (the scheme is detected)`},
		{[]string{"POLICY", writePolicy(t, "origins: [https://app.example.com]\n"), "ADDRESS", "127.0.0.1:8080"}, `needs the API's production name: set target: https://api.example.com`},
		{[]string{"POLICY", writePolicy(t, "target: https://api.example.com\norigins: [https://app.example.com]\nauth:\n  login: {path: /login}\n")}, "conformance: auth.login needs the API's own origin"},
	} {
		_, err := ConfigFromEnv(fakeEnv(tc.env...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ConfigFromEnv(%v): %v; want %q", tc.env, err, tc.want)
		}
	}
}

func TestSecretsNeverInRows(t *testing.T) {
	file := writePolicy(t, "target: https://api.example.com\norigins: [https://app.example.com]\ncredentials: true\nheaders: [Authorization]\nauth:\n  cookies: [{name: session, value: c00kieval}]\n  headers: {Authorization: \"Bearer t0kenval\"}\n")
	c, err := ConfigFromEnv(fakeEnv("POLICY", file))
	if err != nil {
		t.Fatal(err)
	}
	row := report.Result{Evidence: `body "{\"cookie\":\"session=c00kieval\",\"auth\":\"Bearer t0kenval\"}"`, Observed: "t0kenval"}
	redactRow(&row, secretValues(c.Policy, jarCookies(c.Policy)))
	if strings.Contains(row.Evidence+row.Observed, "c00kieval") || strings.Contains(row.Evidence+row.Observed, "t0kenval") {
		t.Errorf("a secret survived: %+v", row)
	}
}
