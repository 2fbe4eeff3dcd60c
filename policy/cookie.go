package policy

import "strings"

// The SameSite values a cookie can carry
// (https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-the-samesite-attribute).
var sameSiteValues = []string{"Lax", "Strict", "None"}

// The third-party cookie modes of a run (policy thirdPartyCookies).
const (
	ThirdPartyBlocked = "blocked"
	ThirdPartyAllowed = "allowed"
)

// IsSecure reports whether the cookie carries Secure.
func (c Cookie) IsSecure() bool { return c.Secure != nil && *c.Secure }

// EffectiveSameSite is the SameSite Chrome enforces: a cookie without the
// attribute is treated as Lax ("Lax by default",
// https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-lax-allowing-unsafe-enforcement).
func (c Cookie) EffectiveSameSite() string {
	if c.SameSite == "" {
		return "Lax"
	}
	return c.SameSite
}

// check returns "" or what Chrome would refuse about the cookie's
// attributes, with the fix.
func (c Cookie) check(string) string {
	switch {
	case c.SameSite == "None" && !c.IsSecure():
		return "has sameSite: None without secure: true; Chrome rejects such a cookie (https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#section-5.6.7): add secure: true"
	case c.Partitioned && !c.IsSecure():
		return "is partitioned without secure: true; Chrome rejects such a cookie (https://developers.google.com/privacy-sandbox/cookies/chips): add secure: true"
	case strings.HasPrefix(c.Name, "__Host-") && (!c.IsSecure() || c.Domain != "" || (c.Path != "" && c.Path != "/")):
		return "is a __Host- cookie: it needs secure: true, no domain and path /"
	case strings.HasPrefix(c.Name, "__Secure-") && !c.IsSecure():
		return "is a __Secure- cookie: it needs secure: true"
	}
	return ""
}
