// Package harness drives one headless Chromium per process against the named
// origins and returns, for every probe, what the browser decided and why: an
// Observation built from Chrome's own DevTools events (Network, Audits, Log),
// correlated by request id.
//
// The harness is framework-free: it does not import ginkgo or gomega, so it
// can be used from go test, a command or a debugger.
//
// Browser-faithful means: no --disable-web-security, no request interception,
// no DevTools-injected request headers. The page's own JavaScript performs
// each request (see origins/pages/probe.js), so Chrome decides on the
// preflight exactly as it does in production. docs/chrome-flags.md lists
// every non-default flag and why.
package harness
