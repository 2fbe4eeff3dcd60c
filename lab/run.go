package lab

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/corsgate/corsgate/harness"
)

// RunAll runs every check of the catalogue against its configuration from
// dir, in env's browser, and asks a curl-like client the same questions.
func RunAll(ctx context.Context, env *harness.Env, dir string) (*Report, error) {
	r := &Report{Browser: env.Browser.Version, Flags: env.Browser.Flags, Generated: time.Now()}
	for _, e := range Catalogue {
		text, err := os.ReadFile(filepath.Join(dir, e.Config))
		if err != nil {
			return nil, err
		}
		srv, err := Serve(dir, e)
		if err != nil {
			return nil, err
		}
		er := EntryReport{Entry: e, Config: strings.TrimSpace(string(text))}
		for _, c := range e.Checks {
			origin := string(c.Probe.Page)
			if c.SameOrigin {
				origin = srv.Base
			}
			cr := CheckReport{Check: c, Curl: srv.Curl(c, origin)}
			cr.Result, err = srv.Run(ctx, env, c)
			if err != nil {
				cr.Err = err.Error()
			} else {
				cr.Mismatch = cr.Result.Verdict().Why
			}
			er.Checks = append(er.Checks, cr)
		}
		srv.Close()
		r.Entries = append(r.Entries, er)
	}
	return r, nil
}
