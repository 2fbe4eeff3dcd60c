package faults

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/network"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/match"
	"github.com/corsgate/corsgate/origins"
	"github.com/corsgate/corsgate/suites/kit"
)

// processStart is set while the package initialises, before BeforeSuite
// starts the Env and so before the leaf key exists: a file holding that key
// was necessarily written after processStart.
var processStart = time.Now()

// Bounds of the disk search.
const (
	// maxSearchFile: larger files (browser caches, toolchains) are skipped.
	maxSearchFile = 50 << 20
	// fullReadBudget: a root whose files add up to more than this is read
	// only where a file was modified since processStart (see searchRoot).
	fullReadBudget = 1 << 30
)

// keyForms are the byte strings by which a P-256 private key is recognised
// in a file: its encodings and the raw secret scalar every binary encoding
// contains.
func keyForms(key *ecdsa.PrivateKey) map[string][]byte {
	GinkgoHelper()
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	Expect(err).NotTo(HaveOccurred())
	sec1, err := x509.MarshalECPrivateKey(key)
	Expect(err).NotTo(HaveOccurred())
	d, err := key.Bytes() // D, big-endian, padded to 32 bytes
	Expect(err).NotTo(HaveOccurred())
	Expect(d).To(HaveLen(32))
	return map[string][]byte{
		"PKCS#8 DER":          pkcs8,
		"SEC1 DER":            sec1,
		"raw scalar D":        d,
		"hex scalar D":        []byte(hex.EncodeToString(d)),
		"PEM PRIVATE KEY":     pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		"PEM EC PRIVATE KEY":  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}),
		"base64 PKCS#8 (one)": []byte(base64.StdEncoding.EncodeToString(pkcs8)),
	}
}

// searchRoot is a directory tree to search.
type searchRoot struct {
	Dir string
	// Why the key could land there.
	Why string
}

// keyHit is a file that holds a key in one of its forms.
type keyHit struct{ Path, Form string }

// searchStats is what a search covered.
type searchStats struct {
	Files, Bytes  int64 // read and searched
	SkippedLarge  int   // over maxSearchFile
	SkippedOld    int   // not modified since processStart, in a root over fullReadBudget
	Unreadable    int   // vanished or not permitted
	ProfileDirs   []string
	PartialRoots  []string // roots read only where modified since processStart
	MissingRoots  []string
	visitedSubdir map[string]bool
}

func (s *searchStats) String() string {
	return fmt.Sprintf("%d files (%d MiB) searched; skipped %d over %d MiB, %d unmodified in roots over %d MiB (%v), %d unreadable; missing roots %v; Chrome profiles %v",
		s.Files, s.Bytes>>20, s.SkippedLarge, maxSearchFile>>20, s.SkippedOld, fullReadBudget>>20, s.PartialRoots, s.Unreadable, s.MissingRoots, s.ProfileDirs)
}

// skipDir reports whether the walk stays out of dir: kernel pseudo file
// systems, version control (a key committed would be in the working tree
// too) and the Go module cache (read-only downloads).
func skipDir(dir string) bool {
	switch dir {
	case "/proc", "/sys", "/dev", "/run":
		return true
	}
	if filepath.Base(dir) == ".git" {
		return true
	}
	if mod := os.Getenv("GOMODCACHE"); mod != "" && dir == filepath.Clean(mod) {
		return true
	}
	return dir == goModCache
}

// goModCache is `go env GOMODCACHE`'s default, $GOPATH/pkg/mod.
var goModCache = func() string {
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		gopath = filepath.Join(home, "go")
	}
	return filepath.Join(filepath.SplitList(gopath)[0], "pkg", "mod")
}()

type candidate struct {
	path     string
	size     int64
	modified time.Time
}

// searchForKey reads every regular file under roots (within the bounds
// above) and returns every file holding any of forms. Each directory is
// walked once even when roots overlap.
func searchForKey(ctx context.Context, roots []searchRoot, forms map[string][]byte) ([]keyHit, *searchStats, error) {
	stats := &searchStats{visitedSubdir: map[string]bool{}}
	var hits []keyHit
	for _, root := range roots {
		dir, err := filepath.Abs(root.Dir)
		if err != nil {
			return nil, nil, err
		}
		if _, err := os.Stat(dir); err != nil {
			stats.MissingRoots = append(stats.MissingRoots, dir)
			continue
		}
		var files []candidate
		var total int64
		err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			if err != nil {
				stats.Unreadable++
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if stats.visitedSubdir[path] || skipDir(path) {
					return fs.SkipDir
				}
				stats.visitedSubdir[path] = true
				if strings.HasPrefix(d.Name(), "corsgate-profile-") {
					stats.ProfileDirs = append(stats.ProfileDirs, path)
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil // sockets, FIFOs, devices, symlinks
			}
			info, err := d.Info()
			if err != nil {
				stats.Unreadable++
				return nil
			}
			if info.Size() > maxSearchFile {
				stats.SkippedLarge++
				return nil
			}
			files = append(files, candidate{path, info.Size(), info.ModTime()})
			total += info.Size()
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("walking %s: %w", dir, err)
		}
		// A root too big to read in full (a $HOME with toolchains in it) is
		// read where a file changed since processStart: the key did not
		// exist before, so an older file cannot hold it.
		partial := total > fullReadBudget
		if partial {
			stats.PartialRoots = append(stats.PartialRoots, dir)
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			if partial && f.modified.Before(processStart.Add(-2*time.Second)) {
				stats.SkippedOld++
				continue
			}
			data, err := os.ReadFile(f.path)
			if err != nil {
				stats.Unreadable++
				continue
			}
			stats.Files++
			stats.Bytes += int64(len(data))
			for form, needle := range forms {
				if bytes.Contains(data, needle) {
					hits = append(hits, keyHit{f.path, form})
				}
			}
		}
	}
	slices.SortFunc(hits, func(a, b keyHit) int { return strings.Compare(a.Path+a.Form, b.Path+b.Form) })
	return hits, stats, nil
}

// repoRoot is the directory holding go.mod above the working directory.
func repoRoot() string {
	GinkgoHelper()
	root, err := kit.RepoRoot()
	Expect(err).NotTo(HaveOccurred())
	return root
}

// diskRoots are the places a key could land: the temp dir (Chrome's
// profile, corsgate-profile-*, is made there; so are test scratch files),
// the repository (reports/, a stray key.pem) and $HOME (dot-directories of
// the browser and tools).
func diskRoots() []searchRoot {
	GinkgoHelper()
	roots := []searchRoot{
		{os.TempDir(), "temp dir: Chrome's profile and scratch files"},
		{repoRoot(), "repository: reports and stray files"},
	}
	if home := os.Getenv("HOME"); home != "" && home != "/" {
		roots = append(roots, searchRoot{home, "$HOME: browser and tool state"}) // walked after the others, so overlaps are not read twice
	}
	return roots
}

// ownChromeProfile is the --user-data-dir of the browser this process
// launched, from the command line of its child processes in /proc; "" where
// there is no /proc.
func ownChromeProfile() string {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return ""
	}
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // not a process, or gone
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if fields := strings.Fields(string(stat[i+1:])); i < 0 || len(fields) < 2 || fields[1] != self {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		for _, arg := range strings.Split(string(cmdline), "\x00") {
			if dir, ok := strings.CutPrefix(arg, "--user-data-dir="); ok {
				return filepath.Clean(dir)
			}
		}
	}
	return ""
}

var _ = Describe("the ephemeral CA's key", Label("tls", "disk"), func() {
	// tlsca.New signs the leaf with the CA's key and then drops it (the
	// tlsca unit tests prove an Authority holds no key but the leaf's), so
	// the CA key never outlives New and has no way to disk. The leaf key is
	// the one that lives for the whole run, is used in every TLS handshake
	// of the HTTPS origins, and would be the one written out by a careless
	// change (a key.pem for Chrome, a debug dump, a report): so it is the
	// key to hunt.

	It("the disk search finds a key in each of its forms", func(ctx SpecContext) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		Expect(err).NotTo(HaveOccurred())
		forms := keyForms(key)
		dir := GinkgoT().TempDir()
		junk := make([]byte, 4096)
		_, _ = rand.Read(junk)
		for form, b := range forms {
			name := strings.NewReplacer(" ", "-", "#", "", "(", "", ")", "").Replace(form)
			content := slices.Concat(junk, b, junk) // the key mid-file
			Expect(os.WriteFile(filepath.Join(dir, name), content, 0o600)).To(Succeed())
		}
		Expect(os.WriteFile(filepath.Join(dir, "innocent"), junk, 0o600)).To(Succeed())

		hits, stats, err := searchForKey(ctx, []searchRoot{{dir, "scratch"}}, forms)
		Expect(err).NotTo(HaveOccurred())
		found := map[string]bool{}
		for _, h := range hits {
			Expect(filepath.Base(h.Path)).NotTo(Equal("innocent"))
			if strings.EqualFold(filepath.Base(h.Path), strings.NewReplacer(" ", "-", "#", "", "(", "", ")", "").Replace(h.Form)) {
				found[h.Form] = true
			}
		}
		for form := range forms {
			Expect(found).To(HaveKey(form), "the search missed the key as %s; hits %v", form, hits)
		}
		Expect(stats.Files).To(BeNumerically("==", len(forms)+1))
	}, SpecTimeout(20*time.Second))

	It("is on no file of the temp dir, Chrome's profile, the repository or $HOME after HTTPS probes", func(ctx SpecContext) {
		key, ok := env.CA.Leaf.PrivateKey.(*ecdsa.PrivateKey)
		Expect(ok).To(BeTrue(), "the leaf key is a %T; teach keyForms that type", env.CA.Leaf.PrivateKey)

		// Use the key: an https target presenting the leaf, probed from the
		// http page (readable: Chrome accepted the pinned leaf) and from the
		// https page, itself served with the leaf (the target allows only
		// the http origin, so CORS refuses: a CORS verdict, reached only
		// after both TLS handshakes succeeded).
		target := tlsTarget(env.CA.Leaf)
		o := run(ctx, harness.Probe{URL: target.URL + "/leaf"})
		Expect(o).To(match.BeReadable())
		o = run(ctx, harness.Probe{Page: origins.SecureApp, URL: target.URL + "/leaf-from-https"})
		Expect(o.PageOrigin).To(HavePrefix("https://"))
		Expect(o).To(match.BeBlockedByCORS(network.CorsErrorAllowOriginMismatch))

		// Prove the search can find it: a canary holding the key's PEM.
		canary, err := os.CreateTemp("", "corsgate-key-canary-*.pem")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { _ = os.Remove(canary.Name()) }) // if the spec stops before the removal below
		forms := keyForms(key)
		_, err = canary.Write(forms["PEM PRIVATE KEY"])
		Expect(err).NotTo(HaveOccurred())
		Expect(canary.Close()).To(Succeed())

		roots := diskRoots()
		hits, stats, err := searchForKey(ctx, roots, forms)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.Remove(canary.Name())).To(Succeed())
		fmt.Fprintf(GinkgoWriter, "roots %v: %s\n", roots, stats)

		Expect(hits).To(ContainElement(keyHit{canary.Name(), "PEM PRIVATE KEY"}),
			"the search must find the canary; it covered %s", stats)
		profile := ownChromeProfile()
		fmt.Fprintf(GinkgoWriter, "this process's Chrome profile: %q\n", profile)
		if profile != "" {
			Expect(stats.ProfileDirs).To(ContainElement(profile), "this process's Chrome profile was searched")
		} else {
			Expect(stats.ProfileDirs).NotTo(BeEmpty(), "a Chrome profile was searched")
		}
		var leaks []keyHit
		for _, h := range hits {
			if h.Path != canary.Name() {
				leaks = append(leaks, h)
			}
		}
		Expect(leaks).To(BeEmpty(), "the leaf key is on disk; the search covered %s", stats)
	}, SpecTimeout(3*time.Minute))
})
