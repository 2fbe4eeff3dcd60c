package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// TreeStats describes the browser's process tree: the browser and every
// process it started (zygotes, renderers, GPU, network service).
type TreeStats struct {
	// Procs is how many processes the tree has.
	Procs int
	// PSS is the sum of the processes' proportional set sizes, in bytes
	// (resident set size where smaps_rollup is missing).
	PSS uint64
	// CPU is the CPU time (user + system) of the live processes plus what
	// the reaped children of each left in its parent's account.
	CPU time.Duration
	// ByType splits CPU by Chrome process type ("browser", "renderer",
	// "zygote", "gpu-process", "utility:network", ...). Exited renderers
	// are in their parent's account: the zygote's. Filled by Tree, not by
	// TreePSS (the memory sampler), since it reads every command line.
	ByType map[string]time.Duration
}

// clockTick is USER_HZ, the unit of CPU times in /proc/PID/stat (100 on
// every Linux architecture Chrome runs on).
const clockTick = 10 * time.Millisecond

// TreePSS is the memory of the browser and every process it started
// (renderers, GPU, network service), in bytes, read from /proc (Linux
// only): the proportional set size of each process (shared pages divided
// among the processes sharing them), so the sum does not count Chrome's
// shared libraries and shared memory once per process. Where the kernel
// has no smaps_rollup it falls back to the resident set size, which
// overcounts.
func (b *Browser) TreePSS() (uint64, error) {
	t, err := b.tree(false)
	return t.PSS, err
}

// Tree reads the browser's process tree from /proc (Linux only).
func (b *Browser) Tree() (TreeStats, error) { return b.tree(true) }

// tree reads the process tree; byType also reads every process's command
// line to split the CPU time by process type.
func (b *Browser) tree(byType bool) (TreeStats, error) {
	c := chromedp.FromContext(b.context())
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		return TreeStats{}, fmt.Errorf("%w: the browser process is unknown (a remote browser?)", ErrBrowser)
	}
	root := c.Browser.Process().Pid
	parent := map[int]int{}
	rss := map[int]uint64{}
	cpu := map[int]uint64{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	if len(stats) == 0 {
		return TreeStats{}, fmt.Errorf("%w: /proc is not readable; memory can only be measured on Linux", ErrBrowser)
	}
	page := uint64(os.Getpagesize())
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended meanwhile
		}
		// Fields after the command name, which is in parentheses and may
		// contain spaces: state ppid ...; utime, stime, cutime and cstime
		// are fields 14-17 of the line, rss is field 24.
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
		var ticks uint64
		for _, x := range f[11:15] {
			n, _ := strconv.ParseUint(x, 10, 64)
			ticks += n
		}
		parent[pid], rss[pid], cpu[pid] = ppid, pages*page, ticks
	}
	// Where the kernel has smaps_rollup (Linux 4.14+), a process whose file
	// cannot be read has exited since its stat was read: counting its stale
	// RSS instead would add a whole renderer's shared pages to the sum.
	_, rollup := pssOf(root)
	t := TreeStats{ByType: map[string]time.Duration{}}
	var ticks uint64
	for pid := range rss {
		for p := pid; p > 1; p = parent[p] {
			if p == root {
				t.Procs++
				ticks += cpu[pid]
				if byType {
					t.ByType[processType(pid)] += time.Duration(cpu[pid]) * clockTick
				}
				if pss, ok := pssOf(pid); ok {
					t.PSS += pss
				} else if !rollup {
					t.PSS += rss[pid]
				}
				break
			}
		}
	}
	t.CPU = time.Duration(ticks) * clockTick
	return t, nil
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

// processType is Chrome's --type of pid ("browser" without one); utility
// processes are named by their service, e.g. "utility:network".
func processType(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return "exited"
	}
	typ, sub := "browser", ""
	// Chrome rewrites its children's command lines with spaces, not NULs.
	for _, arg := range strings.Fields(strings.ReplaceAll(string(data), "\x00", " ")) {
		if v, ok := strings.CutPrefix(arg, "--type="); ok {
			typ = v
		}
		if v, ok := strings.CutPrefix(arg, "--utility-sub-type="); ok {
			sub = v
		}
	}
	if typ == "utility" && sub != "" {
		// network.mojom.NetworkService -> network
		sub, _, _ = strings.Cut(sub, ".")
		typ += ":" + sub
	}
	return typ
}
