// Package fetchspec is corsgate's one home for the facts of the Fetch
// standard and of Chrome's CORS implementation that the code relies on:
// which methods and request headers are CORS-safelisted or forbidden,
// which response headers JavaScript may read, which response headers are
// CORS evidence, at which stage a Chrome CorsError is found, Chrome's
// preflight-cache limits, and the CORS check and CORS-preflight response
// checks themselves (CORSCheck, PreflightCheck), with Chrome's CorsError
// names.
//
// Every predicate and constant cites the section of
// https://fetch.spec.whatwg.org/ it implements, or the Chromium source file
// whose behaviour it pins. The package has no state and imports only the
// standard library, so every layer (even the
// fixtures, which must not know DevTools) can import it.
package fetchspec
