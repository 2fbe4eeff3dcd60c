package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/chromedp/chromedp"
)

// TreeRSS is the memory of the browser and every process it started
// (renderers, GPU, network service), in bytes, read from /proc (Linux
// only): the proportional set size of each process (shared pages divided
// among the processes sharing them), so the sum does not count Chrome's
// shared libraries and shared memory once per process. Where smaps_rollup
// is missing it falls back to the resident set size, which overcounts.
func (b *Browser) TreeRSS() (uint64, error) {
	c := chromedp.FromContext(b.ctx)
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		return 0, fmt.Errorf("%w: the browser process is unknown (a remote browser?)", ErrBrowser)
	}
	root := c.Browser.Process().Pid
	parent := map[int]int{}
	rss := map[int]uint64{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	if len(stats) == 0 {
		return 0, fmt.Errorf("%w: /proc is not readable; memory can only be measured on Linux", ErrBrowser)
	}
	page := uint64(os.Getpagesize())
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended meanwhile
		}
		// Fields after the command name, which is in parentheses and may
		// contain spaces: state ppid ... rss is field 24 of the line.
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 22 {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		ppid, _ := strconv.Atoi(f[1])
		pages, _ := strconv.ParseUint(f[21], 10, 64)
		parent[pid], rss[pid] = ppid, pages*page
	}
	var total uint64
	for pid := range rss {
		for p := pid; p > 1; p = parent[p] {
			if p == root {
				if pss, ok := pssOf(pid); ok {
					total += pss
				} else {
					total += rss[pid]
				}
				break
			}
		}
	}
	return total, nil
}

// pssOf reads the proportional set size of pid from smaps_rollup.
func pssOf(pid int) (uint64, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "Pss:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				return 0, false
			}
			kb, err := strconv.ParseUint(f[0], 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
