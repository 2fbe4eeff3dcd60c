package harness

import (
	"errors"
	"fmt"
)

// Sentinel errors that callers branch on. Every error the harness returns
// wraps one of these, so a missing browser or a lost browser is never
// mistaken for a CORS verdict.
var (
	// ErrBrowserMissing: no Chromium at CHROME_PATH or /usr/bin/chromium.
	ErrBrowserMissing = errors.New("harness: Chromium not found")
	// ErrBrowser: the browser failed to start, crashed or went away.
	ErrBrowser = errors.New("harness: browser failure")
	// ErrBrowserLost: the browser process died or disconnected while the
	// harness was using it; whatever was in flight is lost, not judged.
	// It wraps ErrBrowser. Browser.Restart brings a new one.
	ErrBrowserLost = fmt.Errorf("%w: the browser died", ErrBrowser)
	// ErrPage: the probe page of an origin did not load.
	ErrPage = errors.New("harness: probe page failure")
	// ErrProbe: the probe itself is invalid.
	ErrProbe = errors.New("harness: invalid probe")
)
