package conformance

// ErrorRoute: an endpoint the policy says answers an error (status 400 or
// more) must still be readable, status included: an actual response that
// passes the CORS check is readable whatever its status
// (https://fetch.spec.whatwg.org/#http-fetch). Its hint (CORS headers
// missing on error responses) is one every kind shares (hint.go).
var ErrorRoute = &Kind{Name: "error route", Group: "allowed", PerOrigin: func(g *generator, o string) { g.endpoints(o, true) }}
