package webconfig

// Golden is the package's golden-file comparison (-update rewrites), for
// the external corpus tests.
var Golden = golden
