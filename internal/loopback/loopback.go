// Package loopback starts HTTP servers bound to 127.0.0.1 only, on ports the
// system chooses.
package loopback

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Server is an HTTP(S) server on 127.0.0.1.
type Server struct {
	Port int
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// Listen binds 127.0.0.1:0 and serves h; with tlsConf it serves HTTPS.
func Listen(h http.Handler, tlsConf *tls.Config) (*Server, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("loopback: listen on 127.0.0.1: %w", err)
	}
	s := &Server{
		Port: ln.Addr().(*net.TCPAddr).Port,
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          nil,
		},
		ln:   ln,
		done: make(chan struct{}),
	}
	if tlsConf != nil {
		s.ln = tls.NewListener(ln, tlsConf)
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener was closed under us; Close reports nothing more useful
		}
	}()
	return s, nil
}

// Addr is 127.0.0.1:PORT.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// Close stops the server, giving open connections a second to finish.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
	<-s.done
}

// ClosedPort returns a loopback port that was just free and has nothing
// listening on it, for "connection refused" probes.
func ClosedPort() (int, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("loopback: listen on 127.0.0.1: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	return port, ln.Close()
}

// DialLocalhost dials like net.Dialer but resolves localhost and *.localhost
// to 127.0.0.1, as Chrome and curl do (RFC 6761 §6.3); Go's resolver asks
// DNS, which does not know *.localhost names.
func DialLocalhost(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err == nil && (host == "localhost" || strings.HasSuffix(host, ".localhost")) {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}
