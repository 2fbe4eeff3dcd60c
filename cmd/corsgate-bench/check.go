package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/corsgate/corsgate/internal/steptime"
)

// targetCheck is the wall time of a warm `make check` (demo), from the
// command to the exit.
const targetCheck = 8 * time.Second

// checkTiming is one `make check` of the demo, from the command to the exit,
// and its parts, from the step times the conformance suite records.
type checkTiming struct {
	total, build, browser, probes, reports, exit time.Duration
}

// timeCheck runs `make check` (demo) once to warm the build cache, then
// again timed; both write their reports to a temporary directory.
func timeCheck() (checkTiming, error) {
	dir, err := os.MkdirTemp("", "corsgate-bench-check-")
	if err != nil {
		return checkTiming{}, err
	}
	defer os.RemoveAll(dir)
	var t checkTiming
	for range 2 {
		steps := filepath.Join(dir, "steps")
		_ = os.Remove(steps)
		cmd := exec.Command("make", "--no-print-directory", "check", "REPORTS="+filepath.Join(dir, "reports"))
		cmd.Env = append(os.Environ(), steptime.Env+"="+steps, "POLICY=", "TARGET=", "DEMO=", "LABELS=")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return checkTiming{}, fmt.Errorf("make check (demo) failed: %v\n%s", err, out.String())
		}
		end := time.Now()
		at, err := steptime.Read(steps)
		if err != nil {
			return checkTiming{}, err
		}
		for _, s := range []string{"suite", "browser", "probes", "reports"} {
			if at[s].IsZero() {
				return checkTiming{}, fmt.Errorf("make check (demo) recorded no %q step time in %s; is the conformance suite current?", s, steps)
			}
		}
		t = checkTiming{
			total: end.Sub(start), build: at["suite"].Sub(start), browser: at["browser"].Sub(at["suite"]),
			probes: at["probes"].Sub(at["browser"]), reports: at["reports"].Sub(at["probes"]), exit: end.Sub(at["reports"]),
		}
	}
	return t, nil
}

func (t checkTiming) String() string {
	return fmt.Sprintf("%.2f s: build and start %.2f, browser start %.2f, probes %.2f, reports %.2f, exit %.2f",
		t.total.Seconds(), t.build.Seconds(), t.browser.Seconds(), t.probes.Seconds(), t.reports.Seconds(), t.exit.Seconds())
}
