package policy

import (
	"go.yaml.in/yaml/v3"

	"github.com/corsgate/corsgate/fetchspec"
)

// Address spaces (Chrome's Local Network Access,
// https://wicg.github.io/local-network-access/): the policy says where the
// target lives (top-level addressSpace) and where each frontend origin lives
// (an origin object's addressSpace); both default to public. A public
// frontend calling a local or loopback API needs the user's permission,
// which no response header can replace (fetchspec/localnetwork.go).

// addressSpace parses an addressSpace value; public is written as "" (the
// default).
func (ps *parser) addressSpace(v *yaml.Node, field string) (string, error) {
	if isNull(v) {
		return "", nil
	}
	s, err := ps.scalar(v, field, "local")
	if err != nil {
		return "", err
	}
	if !fetchspec.IsAddressSpace(fetchspec.AddressSpace(s)) {
		hint := ""
		if s == "private" || s == "intranet" {
			hint = ` (Chrome's name for a private address is "local")`
		}
		return "", ps.fail(v, "%s %s is not one of %s%s", field, q(s), fetchspec.AddressSpaceNames(), hint)
	}
	if s == string(fetchspec.SpacePublic) {
		return "", nil
	}
	return s, nil
}

// TargetSpace is the address space of the target: public unless declared.
func (p *Policy) TargetSpace() fetchspec.AddressSpace { return spaceOr(p.AddressSpace) }

// Space is the address space of the origin's frontend: public unless
// declared.
func (o Origin) Space() fetchspec.AddressSpace { return spaceOr(o.AddressSpace) }

func spaceOr(s string) fetchspec.AddressSpace {
	if s == "" {
		return fetchspec.SpacePublic
	}
	return fetchspec.AddressSpace(s)
}

// DeclaresAddressSpaces reports whether the policy names any space but
// public: only then does a run assign spaces in Chrome.
func (p *Policy) DeclaresAddressSpaces() bool {
	if p.AddressSpace != "" {
		return true
	}
	for _, o := range p.allOrigins() {
		if o.AddressSpace != "" {
			return true
		}
	}
	return false
}

// OriginSpace is the address space of the frontend at origin (a concrete
// origin, e.g. a wildcard's sample): the space of the first entry that
// allows it, public when none does.
func (p *Policy) OriginSpace(origin string) fetchspec.AddressSpace {
	for _, o := range p.allOrigins() {
		if o.Matches(origin) {
			return o.Space()
		}
	}
	return fetchspec.SpacePublic
}

// allOrigins are the top level's origins and every endpoint's own.
func (p *Policy) allOrigins() []Origin {
	out := append([]Origin(nil), p.Origins...)
	for _, e := range p.Endpoints {
		out = append(out, e.Rules.Origins...)
	}
	return out
}
