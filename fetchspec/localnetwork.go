package fetchspec

import (
	"net"
	"strings"
)

// Local Network Access (LNA): since Chrome 142 a page in a more public
// address space that requests a more private one (a public portal calling
// an intranet API) needs the user's permission; the Private Network Access
// preflight it replaced is gone, so no response header can allow it.
// Specification: https://wicg.github.io/local-network-access/ (the
// WICG draft that Fetch's "local network request" hooks point to). Chrome:
// services/network/local_network_access_checker.cc and
// services/network/public/cpp/ip_address_space_util.cc. Each fact below was
// observed in headless Chromium 156 (suites/selftest pins it).

// AddressSpace is an IP address space
// (https://wicg.github.io/local-network-access/#ip-address-space), spelled
// as Chrome's --ip-address-space-overrides switch takes it.
type AddressSpace string

// The address spaces, from most private to most public.
const (
	SpaceLoopback AddressSpace = "loopback" // 127.0.0.0/8, ::1
	SpaceLocal    AddressSpace = "local"    // RFC 1918, link-local, ULA ("private" in older Chrome)
	SpacePublic   AddressSpace = "public"   // everything else
)

// addressSpaces lists the spaces in order of privacy, most private first.
var addressSpaces = []AddressSpace{SpaceLoopback, SpaceLocal, SpacePublic}

// IsAddressSpace reports whether s is one of the three spaces. Chrome
// silently ignores an override with any other value (and one with a CIDR
// or without a port), so callers must refuse it themselves.
func IsAddressSpace(s AddressSpace) bool {
	for _, a := range addressSpaces {
		if s == a {
			return true
		}
	}
	return false
}

// AddressSpaceNames is "public, local, loopback", for error messages.
func AddressSpaceNames() string { return "public, local, loopback" }

func privacy(s AddressSpace) int {
	for i, a := range addressSpaces {
		if s == a {
			return i
		}
	}
	return len(addressSpaces) // unknown: treated as public
}

// IsLocalNetworkRequest reports whether a request from a page in space
// page to a target in space target is a local network request: the target
// is strictly more private than the initiator
// (https://wicg.github.io/local-network-access/#local-network-request).
// Only those need a permission; public -> public and loopback -> loopback
// (every harness server by default) are never checked.
func IsLocalNetworkRequest(page, target AddressSpace) bool {
	return privacy(target) < privacy(page)
}

// Permission is the name of a Local Network Access permission, as
// Browser.setPermission (PermissionDescriptor.name) and the Permissions API
// take it.
type Permission string

// The permissions. Chrome splits LNA into one per target space.
const (
	// PermissionLocalNetwork lets a page reach local (private) addresses.
	PermissionLocalNetwork Permission = "local-network"
	// PermissionLoopbackNetwork lets a page reach loopback addresses.
	PermissionLoopbackNetwork Permission = "loopback-network"
)

// PermissionFor is the permission a request to a target in space target
// needs, "" for a public target.
func PermissionFor(target AddressSpace) Permission {
	switch target {
	case SpaceLocal:
		return PermissionLocalNetwork
	case SpaceLoopback:
		return PermissionLoopbackNetwork
	}
	return ""
}

// The CorsErrors of Local Network Access (DevTools network.CorsError). All
// are found before anything reaches the server (StageRequest).
const (
	// LNAPermissionDenied: a secure page asked for a more private target
	// and the user has not granted the permission (headless Chrome never
	// prompts, so "not granted" is "denied"). The preflight fails with
	// net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS.
	LNAPermissionDenied = "LocalNetworkAccessPermissionDenied"
	// LNAInsecureInitiator: a page that is not a secure context (an http://
	// page on a real host name) asked for a more private target; no
	// permission can allow it.
	LNAInsecureInitiator = "InsecureLocalNetwork"
	// LNAInvalidTargetSpace: fetch(..., {targetAddressSpace}) named a space
	// the target is not in.
	LNAInvalidTargetSpace = "InvalidLocalNetworkAccess"
)

// IsLocalNetworkAccessError reports whether e (a network.CorsError or its
// name) is one of the Local Network Access CorsErrors.
func IsLocalNetworkAccessError[E ~string](e E) bool {
	switch string(e) {
	case LNAPermissionDenied, LNAInsecureInitiator, LNAInvalidTargetSpace:
		return true
	}
	return false
}

// LNANetError is the net:: error of the preflight Chrome fails itself when
// Local Network Access refuses a request.
const LNANetError = "net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS"

// LNAConsoleDenied is the part of Chrome's console line for
// LNAPermissionDenied that names the target's space: "... has been
// blocked by CORS policy: Permission was denied for this request to access
// the `local` address space."
func LNAConsoleDenied(target AddressSpace) string {
	return "Permission was denied for this request to access the `" + string(target) + "` address space"
}

// LNAConsoleInsecure is the part of Chrome's console line for
// LNAInsecureInitiator: "... has been blocked by CORS policy: The request
// client is not a secure context and the resource is in more-private
// address space `local`."
func LNAConsoleInsecure(target AddressSpace) string {
	return "The request client is not a secure context and the resource is in more-private address space `" + string(target) + "`"
}

// Browser.setPermission refuses a Local Network Access permission for a
// page origin that is not a secure context ("Permission can't be granted in
// current context."): an http:// page on a real host name can never reach
// a more private address (LNAInsecureInitiator). http://localhost and
// *.localhost pages are secure contexts
// (https://w3c.github.io/webappsec-secure-contexts/#potentially-trustworthy-origin).

// The obsolete Private Network Access headers
// (https://wicg.github.io/private-network-access/, superseded by LNA).
// Chrome no longer sends the request header nor reads the response
// header: a server answering Access-Control-Allow-Private-Network: true
// gets the same verdict as one that does not.
const (
	ObsoleteRequestPrivateNetwork = "Access-Control-Request-Private-Network"
	ObsoleteAllowPrivateNetwork   = "Access-Control-Allow-Private-Network"
)

// IsObsoletePrivateNetworkHeader reports whether name is one of the two
// Private Network Access headers Chrome ignores.
func IsObsoletePrivateNetworkHeader(name string) bool {
	return strings.EqualFold(name, ObsoleteRequestPrivateNetwork) || strings.EqualFold(name, ObsoleteAllowPrivateNetwork)
}

// IsPotentiallyTrustworthy reports whether a page at origin (its ASCII
// serialization, e.g. "http://app.localhost:8080") is a secure context:
// https, or a loopback host (localhost, *.localhost, 127.0.0.0/8, [::1]).
// See https://w3c.github.io/webappsec-secure-contexts/#is-origin-trustworthy.
// Only such a page can be granted a Local Network Access permission; the
// opaque origin "null" is not.
func IsPotentiallyTrustworthy(origin string) bool {
	scheme, rest, ok := strings.Cut(origin, "://")
	if !ok {
		return false
	}
	switch strings.ToLower(scheme) {
	case "https", "wss":
		return true
	case "http", "ws":
	default:
		return false
	}
	host := strings.ToLower(rest)
	if strings.HasPrefix(host, "[") {
		return strings.HasPrefix(host, "[::1]")
	}
	host, _, _ = strings.Cut(host, ":")
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}
