// Package steptime records when the steps of a run happen, for make bench:
// with CORSGATE_STEP_TIMES set to a file, Mark appends one line
// "<step> <unix nanoseconds>" to it. Without it, Mark does nothing.
package steptime

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Env names the file Mark appends to.
const Env = "CORSGATE_STEP_TIMES"

// Mark records that step happened now. Errors are ignored: timings never
// change a run's outcome.
func Mark(step string) {
	path := os.Getenv(Env)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %d\n", step, time.Now().UnixNano())
}

// Read returns the steps recorded in path, first time of each.
func Read(path string) (map[string]time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("steptime: reading %s: %v", path, err)
	}
	defer f.Close()
	out := map[string]time.Time{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		step, ns, ok := strings.Cut(sc.Text(), " ")
		n, err := strconv.ParseInt(ns, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("steptime: %s: line %q is not \"<step> <unix ns>\"", path, sc.Text())
		}
		if _, seen := out[step]; !seen {
			out[step] = time.Unix(0, n)
		}
	}
	return out, sc.Err()
}
