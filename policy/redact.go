package policy

import (
	"bytes"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// RedactedValue is the value that replaces cookie and header values in
// Policy.Redacted.
const RedactedValue = "<redacted>"

// Redacted returns the policy as YAML, normalised and with the defaults
// filled in, with cookie and header values replaced by "<redacted>": safe to
// print in reports. It parses back to the same policy, secrets aside.
func (p *Policy) Redacted() string {
	root := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, v *yaml.Node) {
		root.Content = append(root.Content, str(key), v)
	}
	if p.Target != "" {
		add("target", str(p.Target))
	}
	if p.Address != "" {
		add("address", str(p.Address))
	}
	if len(p.Endpoints) > 0 {
		eps := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range p.Endpoints {
			m := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{str("path"), str(e.Path)}}
			if len(e.Methods) > 0 {
				m.Content = append(m.Content, str("methods"), flow(e.Methods))
			}
			if e.Status != 0 {
				m.Content = append(m.Content, str("status"), integer(e.Status))
			}
			m.Content = append(m.Content, rulesNodes(e.Rules)...)
			eps.Content = append(eps.Content, m)
		}
		add("endpoints", eps)
	}
	if len(p.Origins) > 0 {
		add("origins", originsNode(p.Origins))
	}
	add("credentials", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(p.Credentials)})
	if len(p.Methods) > 0 {
		add("methods", flow(p.Methods))
	}
	if len(p.Headers) > 0 {
		add("headers", flow(p.Headers))
	}
	if len(p.Expose) > 0 {
		add("expose", flow(p.Expose))
	}
	if p.MaxAge != 0 {
		add("maxAge", integer(p.MaxAge))
	}
	if p.Unlisted != "" {
		add("unlisted", str(string(p.Unlisted)))
	}
	if p.ThirdPartyCookies != "" {
		add("thirdPartyCookies", str(p.ThirdPartyCookies))
	}
	if p.AddressSpace != "" {
		add("addressSpace", str(p.AddressSpace))
	}
	if len(p.Auth.Cookies) > 0 || len(p.Auth.Headers) > 0 || p.Auth.Login != nil {
		auth := &yaml.Node{Kind: yaml.MappingNode}
		if len(p.Auth.Cookies) > 0 {
			cs := &yaml.Node{Kind: yaml.SequenceNode}
			for _, c := range p.Auth.Cookies {
				cs.Content = append(cs.Content, &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle,
					Content: append([]*yaml.Node{str("name"), str(c.Name), str("value"), str(RedactedValue)}, cookieNodes(c)...)})
			}
			auth.Content = append(auth.Content, str("cookies"), cs)
		}
		if len(p.Auth.Headers) > 0 {
			hs := &yaml.Node{Kind: yaml.MappingNode}
			for _, h := range p.Auth.Headers {
				hs.Content = append(hs.Content, str(h.Name), str(RedactedValue))
			}
			auth.Content = append(auth.Content, str("headers"), hs)
		}
		if l := p.Auth.Login; l != nil {
			m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Content: []*yaml.Node{str("method"), str(l.Method), str("path"), str(l.Path)}}
			if l.Body != "" {
				m.Content = append(m.Content, str("body"), str(RedactedValue))
			}
			if l.ContentType != "" {
				m.Content = append(m.Content, str("contentType"), str(l.ContentType))
			}
			auth.Content = append(auth.Content, str("login"), m)
		}
		add("auth", auth)
	}

	var buf bytes.Buffer
	buf.WriteString("# policy " + oneLine(p.Source) + " (cookie and header values redacted)\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		// Only a hand-built policy holding invalid UTF-8 gets here.
		return buf.String() + "# cannot write the policy as YAML: " + oneLine(err.Error()) + "\n"
	}
	_ = enc.Close()
	return buf.String()
}

func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: strings.ToValidUTF8(s, "\uFFFD")}
}

func integer(n int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(n)}
}

func flow(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range items {
		n.Content = append(n.Content, str(s))
	}
	return n
}

func boolean(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

// originsNode writes origins, origin objects as flow mappings.
func originsNode(os []Origin) *yaml.Node {
	ol := &yaml.Node{Kind: yaml.SequenceNode}
	for _, o := range os {
		if !o.HasOwnRules() && o.AddressSpace == "" {
			ol.Content = append(ol.Content, str(o.Value))
			continue
		}
		m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Content: []*yaml.Node{str("origin"), str(o.Value)}}
		if o.Credentials != nil {
			m.Content = append(m.Content, str("credentials"), boolean(*o.Credentials))
		}
		if o.Methods != nil {
			m.Content = append(m.Content, str("methods"), flow(o.Methods))
		}
		if o.Headers != nil {
			m.Content = append(m.Content, str("headers"), flow(o.Headers))
		}
		if o.AddressSpace != "" {
			m.Content = append(m.Content, str("addressSpace"), str(o.AddressSpace))
		}
		ol.Content = append(ol.Content, m)
	}
	return ol
}

// rulesNodes are an endpoint's own rules as mapping content.
func rulesNodes(r Rules) []*yaml.Node {
	var c []*yaml.Node
	if r.Origins != nil {
		c = append(c, str("origins"), originsNode(r.Origins))
	}
	if r.Credentials != nil {
		c = append(c, str("credentials"), boolean(*r.Credentials))
	}
	if r.Headers != nil {
		c = append(c, str("headers"), flow(r.Headers))
	}
	if r.Expose != nil {
		c = append(c, str("expose"), flow(r.Expose))
	}
	if r.MaxAge != nil {
		c = append(c, str("maxAge"), integer(*r.MaxAge))
	}
	if r.Unlisted != "" {
		c = append(c, str("unlisted"), str(string(r.Unlisted)))
	}
	return c
}

// cookieNodes are a cookie's attributes as mapping content.
func cookieNodes(k Cookie) []*yaml.Node {
	var c []*yaml.Node
	if k.SameSite != "" {
		c = append(c, str("sameSite"), str(k.SameSite))
	}
	if k.Secure != nil {
		c = append(c, str("secure"), boolean(*k.Secure))
	}
	if k.Partitioned {
		c = append(c, str("partitioned"), boolean(true))
	}
	if k.Domain != "" {
		c = append(c, str("domain"), str(k.Domain))
	}
	if k.Path != "" {
		c = append(c, str("path"), str(k.Path))
	}
	return c
}
