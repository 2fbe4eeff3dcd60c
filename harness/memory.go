package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/chromedp/chromedp"
)

// TreeRSS is the resident memory of the browser and every process it
// started (renderers, GPU, network service), in bytes, read from /proc
// (Linux only).
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
				total += rss[pid]
				break
			}
		}
	}
	return total, nil
}
