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
			eps.Content = append(eps.Content, m)
		}
		add("endpoints", eps)
	}
	if len(p.Origins) > 0 {
		ol := &yaml.Node{Kind: yaml.SequenceNode}
		for _, o := range p.Origins {
			ol.Content = append(ol.Content, str(o.Value))
		}
		add("origins", ol)
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
	if len(p.Auth.Cookies) > 0 || len(p.Auth.Headers) > 0 {
		auth := &yaml.Node{Kind: yaml.MappingNode}
		if len(p.Auth.Cookies) > 0 {
			cs := &yaml.Node{Kind: yaml.SequenceNode}
			for _, c := range p.Auth.Cookies {
				cs.Content = append(cs.Content, &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle,
					Content: []*yaml.Node{str("name"), str(c.Name), str("value"), str(RedactedValue)}})
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
