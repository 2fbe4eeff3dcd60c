package harness

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"
)

// The environment variables that point the harness at a browser it does
// not launch itself (docs/remote-browser.md).
const (
	// BrowserURLEnv: the DevTools address of a browser that runs already
	// (ws://host:port/devtools/browser/ID, or http://host:port). The
	// harness cannot give it flags: it must share the network with the
	// probe pages (they listen on 127.0.0.1) and was started with the flags
	// the harness prints when a page does not load as its origin.
	BrowserURLEnv = "CORSGATE_BROWSER_URL"
	// BrowserCmdEnv: a shell command that starts a browser, somewhere, with
	// the harness's flags appended as arguments, and prints its DevTools
	// address (a ws:// URL, e.g. Chrome's "DevTools listening on ws://...")
	// on stdout or stderr. It runs for as long as the browser is needed.
	BrowserCmdEnv = "CORSGATE_BROWSER_CMD"
)

// Connector starts or finds a browser for the harness: it gets the flags
// the run needs (resolver rules for the impersonated origins, the accepted
// certificate) and returns the browser's DevTools address, plus a stop
// function (nil if there is nothing to stop).
type Connector func(ctx context.Context, flags []string) (devtoolsURL string, stop func(), err error)

// ConnectorFromEnv returns the connector CORSGATE_BROWSER_CMD or
// CORSGATE_BROWSER_URL asks for, nil when neither is set (launch locally).
func ConnectorFromEnv() (Connector, error) {
	cmd, u := os.Getenv(BrowserCmdEnv), os.Getenv(BrowserURLEnv)
	switch {
	case cmd != "" && u != "":
		return nil, fmt.Errorf("%w: both %s and %s are set; set one", ErrBrowser, BrowserCmdEnv, BrowserURLEnv)
	case cmd != "":
		return CommandConnector(cmd), nil
	case u != "":
		if p, err := url.Parse(u); err != nil || (p.Scheme != "ws" && p.Scheme != "wss" && p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("%w: %s=%q is not a DevTools address; write ws://host:port/devtools/browser/ID or http://host:port", ErrBrowser, BrowserURLEnv, u)
		}
		return func(context.Context, []string) (string, func(), error) { return u, nil, nil }, nil
	}
	return nil, nil
}

// devtoolsURL finds a DevTools websocket address in a line of output.
var devtoolsURL = regexp.MustCompile(`wss?://[^\s"']+/devtools/browser/[^\s"']+`)

// CommandConnector runs command (through sh, the flags appended as
// arguments) and waits up to 30 s for it to print a DevTools address. The
// browser ends when the command's process group is killed.
func CommandConnector(command string) Connector {
	return func(ctx context.Context, flags []string) (string, func(), error) {
		cmd := exec.Command("sh", append([]string{"-c", command + ` "$@"`, "sh"}, flags...)...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		r, w := io.Pipe()
		cmd.Stdout, cmd.Stderr = w, w
		if err := cmd.Start(); err != nil {
			return "", nil, fmt.Errorf("%w: %s=%q: %v", ErrBrowser, BrowserCmdEnv, command, err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); _ = w.Close(); close(exited) }()
		stop := func() {
			// TERM lets a launcher clean up (a container, a profile);
			// KILL the group if it has not ended in 5 s.
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-exited
			}
		}
		found := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				if m := devtoolsURL.FindString(sc.Text()); m != "" {
					select {
					case found <- m:
					default:
					}
				}
			}
		}()
		select {
		case u := <-found:
			// A browser in a container listens on 0.0.0.0; reach it on
			// loopback.
			return strings.Replace(u, "//0.0.0.0:", "//127.0.0.1:", 1), stop, nil
		case <-time.After(30 * time.Second):
		case <-ctx.Done():
		}
		stop()
		return "", nil, fmt.Errorf("%w: %s=%q printed no DevTools address (ws://.../devtools/browser/...) within 30 s; it must start the browser with --remote-debugging-port and pass on its output", ErrBrowser, BrowserCmdEnv, command)
	}
}

// connect attaches to the browser a connector provides; b.mu is held.
func (b *Browser) connect() error {
	flags := append(args(extraFlags(b.cfg, false)), remoteBaseFlags...)
	startCtx, cancelStart := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancelStart()
	u, stopRemote, err := b.cfg.Connect(startCtx, flags)
	if err != nil {
		return err
	}
	allocCtx, cancelAlloc := remote.NewAllocator(context.Background(), u)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b.ctx, b.cancel, b.profileDir = ctx, cancel, ""
	b.cancelAlloc = func() {
		cancelAlloc()
		if stopRemote != nil {
			stopRemote()
		}
	}
	b.describe("remote "+u, flags)
	if err := chromedp.Do(ctx); err != nil {
		b.stop()
		return fmt.Errorf("%w: attaching to the browser at %s: %v", ErrBrowser, u, err)
	}
	// The exec allocator ends the context when the browser dies; for an
	// attached browser the harness does it, so Alive and Restart work.
	if c := chromedp.FromContext(ctx); c != nil && c.Browser != nil {
		go func() {
			select {
			case <-c.Browser.LostConnection:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return nil
}

// remoteBaseFlags are the chromedp defaults that matter for probes, for a
// browser the harness does not launch (docs/remote-browser.md).
var remoteBaseFlags = []string{
	"--headless", "--no-first-run", "--no-default-browser-check",
	"--disable-background-networking", "--disable-sync", "--disable-extensions",
	"--disable-background-timer-throttling", "--disable-renderer-backgrounding",
}

// remoteHint adds, for a browser the harness did not launch, the flags it
// must run with: a page that does not load as its origin usually means
// they are missing.
func (e *Env) remoteHint(err error) error {
	if err == nil || e.cfg.Connect == nil {
		return err
	}
	return fmt.Errorf("%w; a browser the harness does not launch must run with: %s", err, strings.Join(e.Browser.Flags, " "))
}
