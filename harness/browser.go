package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// DefaultChromePath is where Debian's chromium package installs the browser.
const DefaultChromePath = "/usr/bin/chromium"

// FindChrome returns the browser to run: $CHROME_PATH, else
// /usr/bin/chromium. The error is one line that names the fix.
func FindChrome() (string, error) {
	if p := os.Getenv("CHROME_PATH"); p != "" {
		if !isExecutable(p) {
			return "", fmt.Errorf("%w: CHROME_PATH=%q is not an executable file; point it at Chromium or unset it to use %s", ErrBrowserMissing, p, DefaultChromePath)
		}
		return p, nil
	}
	if !isExecutable(DefaultChromePath) {
		return "", fmt.Errorf("%w at %s; install it with `apt-get install -y chromium` (as root), run `make test` as root, or set CHROME_PATH", ErrBrowserMissing, DefaultChromePath)
	}
	return DefaultChromePath, nil
}

// CheckBrowser is FindChrome for runs that may use a remote browser: nil
// when CORSGATE_BROWSER_CMD or CORSGATE_BROWSER_URL is set and valid.
func CheckBrowser() error {
	c, err := ConnectorFromEnv()
	if err != nil || c != nil {
		return err
	}
	_, err = FindChrome()
	return err
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// BrowserConfig is how to launch the browser.
type BrowserConfig struct {
	// ExecPath overrides FindChrome.
	ExecPath string
	// ThirdPartyCookies defaults to ThirdPartyCookiesBlocked.
	ThirdPartyCookies CookiePolicy
	// HostRules are --host-resolver-rules entries ("MAP host:port ip:port").
	HostRules []string
	// SPKIHashes are the certificates to accept
	// (--ignore-certificate-errors-spki-list).
	SPKIHashes []string
	// AddressSpaces are --ip-address-space-overrides entries
	// ("127.0.0.1:PORT=local"): see Spaces.
	AddressSpaces []string
	// Connect, when set, provides the browser instead of launching
	// ExecPath: see Connector and docs/remote-browser.md.
	Connect Connector
}

// Browser is one running headless Chromium. When the process dies mid-run
// (a crash, the OOM killer, a kill), Restart launches a new one the same
// way; the Browser value stays the same for everyone holding it.
type Browser struct {
	// Version is Chrome's product string, e.g. "Chrome/156.0.8078.108".
	Version string
	// Path is the executable.
	Path string
	// Flags are the non-default flags the harness added (see
	// docs/chrome-flags.md), for reports.
	Flags []string
	// ThirdPartyCookies is the policy the profile was seeded with.
	// The fields above are set at launch and not changed by Restart.
	ThirdPartyCookies CookiePolicy

	cfg BrowserConfig

	mu          sync.RWMutex // guards the fields below
	ctx         context.Context
	cancel      context.CancelFunc
	cancelAlloc context.CancelFunc
	profileDir  string
}

// Launch starts Chromium with browser-faithful flags.
func Launch(cfg BrowserConfig) (*Browser, error) {
	if cfg.ExecPath == "" && cfg.Connect == nil {
		var err error
		if cfg.ExecPath, err = FindChrome(); err != nil {
			return nil, err
		}
	}
	if cfg.ThirdPartyCookies == "" {
		cfg.ThirdPartyCookies = ThirdPartyCookiesBlocked
	}
	b := &Browser{Path: cfg.ExecPath, ThirdPartyCookies: cfg.ThirdPartyCookies, cfg: cfg}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.start(); err != nil {
		return nil, err
	}
	return b, nil
}

// start launches the process, or attaches to the connector's browser;
// b.mu is held.
func (b *Browser) start() error {
	cfg := b.cfg
	if cfg.Connect != nil {
		if cfg.ThirdPartyCookies == ThirdPartyCookiesAllowed {
			return fmt.Errorf("%w: third-party cookies can only be allowed in a browser the harness launches (the profile is seeded before start)", ErrBrowser)
		}
		if err := b.connect(); err != nil {
			return err
		}
		return b.version()
	}
	dir, err := os.MkdirTemp("", "corsgate-profile-")
	if err != nil {
		return fmt.Errorf("%w: making a profile directory: %v", ErrBrowser, err)
	}
	if cfg.ThirdPartyCookies == ThirdPartyCookiesAllowed {
		if err := seedAllowThirdPartyCookies(dir); err != nil {
			_ = os.RemoveAll(dir)
			return err
		}
	}

	flags := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(cfg.ExecPath),
		chromedp.UserDataDir(dir),
	}
	extra := extraFlags(cfg, os.Geteuid() == 0)
	for _, f := range extra {
		flags = append(flags, chromedp.Flag(f.name, f.value))
	}
	shown := args(extra)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], flags...)

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b.ctx, b.cancel, b.cancelAlloc, b.profileDir = ctx, cancel, cancelAlloc, dir
	b.describe(cfg.ExecPath, shown)
	if err := chromedp.Do(ctx); err != nil {
		b.stop()
		return fmt.Errorf("%w: starting %s: %v", ErrBrowser, cfg.ExecPath, err)
	}
	return b.version()
}

// version asks the browser for its product string; b.mu is held.
func (b *Browser) version() error {
	v, err := chromedp.CallBrowser(b.ctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		b.stop()
		return fmt.Errorf("%w: asking %s for its version: %v", ErrBrowser, b.Path, err)
	}
	if b.Version == "" {
		b.Version = v.Product
	}
	return nil
}

// describe sets the public fields on the first start only: a restarted
// browser is launched the same way, and probes read the fields without
// the lock.
func (b *Browser) describe(path string, flags []string) {
	if b.Version == "" {
		b.Path, b.Flags = path, flags
	}
}

// stop ends the process and removes its profile; b.mu is held.
func (b *Browser) stop() {
	b.cancel()
	b.cancelAlloc()
	_ = os.RemoveAll(b.profileDir)
}

// context is the browser's root context: tabs are made from it.
func (b *Browser) context() context.Context {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.ctx
}

// Alive reports whether the browser process is still connected.
func (b *Browser) Alive() bool { return b.context().Err() == nil }

// PID is the browser process's id, 0 if unknown.
func (b *Browser) PID() int {
	c := chromedp.FromContext(b.context())
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		return 0
	}
	return c.Browser.Process().Pid
}

// Restart launches a new browser in place of one that died, the same way
// (flags, resolver rules, accepted certificate; a new empty profile). It
// does nothing when the browser is alive, so every probe that saw the same
// death may call it and one of them restarts.
func (b *Browser) Restart() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ctx.Err() == nil {
		return nil
	}
	b.stop()
	return b.start()
}

type flag struct {
	name  string
	value any
}

// args renders flags as command-line arguments; a false flag is one
// removed from chromedp's defaults and renders as nothing.
func args(fs []flag) []string {
	var out []string
	for _, f := range fs {
		switch f.value {
		case false:
		case true:
			out = append(out, "--"+f.name)
		default:
			out = append(out, fmt.Sprintf("--%s=%v", f.name, f.value))
		}
	}
	return out
}

// extraFlags are the flags the harness adds to chromedp's defaults. Each one
// is documented with its reason in docs/chrome-flags.md (a test checks).
func extraFlags(cfg BrowserConfig, root bool) []flag {
	fs := []flag{
		// chromedp's defaults run the network service inside the browser
		// process; drop that so the network stack runs as shipped.
		{"enable-features", false},
		// No internet here: no component downloads (background networking
		// is already off in chromedp's defaults).
		{"disable-component-update", true},
		// Keep chromedp's defaults and stop Chrome from upgrading page
		// navigations to https, so an http:// page origin (the scheme
		// downgrade an attacker tries) can be served as itself. The two
		// omnibox popups are browser UI every new window (one per browser
		// context) would otherwise start as a WebUI renderer (~50 MB, 2 s
		// of CPU each; make bench).
		{"disable-features", "Translate,BlinkGenPropertyTrees,HttpsUpgrades,WebUIOmniboxPopup,WebUIOmniboxAimPopup"},
	}
	if root {
		// Chromium refuses to start its sandbox as root.
		fs = append(fs, flag{"no-sandbox", true})
	}
	if len(cfg.HostRules) > 0 {
		fs = append(fs, flag{"host-resolver-rules", strings.Join(cfg.HostRules, ",")})
	}
	if len(cfg.AddressSpaces) > 0 {
		// Local Network Access: put each listed 127.0.0.1 listener in the
		// declared address space instead of loopback (Spaces).
		fs = append(fs, flag{"ip-address-space-overrides", strings.Join(cfg.AddressSpaces, ",")})
	}
	if len(cfg.SPKIHashes) > 0 {
		fs = append(fs, flag{"ignore-certificate-errors-spki-list", strings.Join(cfg.SPKIHashes, ",")})
	}
	return fs
}

// Close stops the browser and removes its profile directory.
func (b *Browser) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stop()
}

// seedAllowThirdPartyCookies writes the profile preference that allows
// third-party cookies. It must exist before launch: Chrome reads it once,
// and neither Network.setCookieControls nor a feature flag unblocks them in
// headless Chromium 156 (docs/chrome-flags.md).
func seedAllowThirdPartyCookies(dir string) error {
	prefs, _ := json.Marshal(map[string]any{"profile": map[string]any{"cookie_controls_mode": 0}})
	if err := os.MkdirAll(filepath.Join(dir, "Default"), 0o700); err != nil {
		return fmt.Errorf("%w: seeding the profile: %v", ErrBrowser, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Default", "Preferences"), prefs, 0o600); err != nil {
		return fmt.Errorf("%w: seeding the profile: %v", ErrBrowser, err)
	}
	return nil
}
