package harness

import (
	"sync"

	"github.com/chromedp/cdproto/audits"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
)

// recorder keeps the DevTools events of one tab that matter for a verdict.
// Its listener runs in chromedp's read loop, so it only appends and returns:
// it never runs a command (that would deadlock the tab).
type recorder struct {
	mu     sync.Mutex
	events []any
	// wake is closed (and replaced) when an event arrives: every probe
	// settling in the tab (several run at once in a shared lane) wakes.
	wake chan struct{}
}

func newRecorder() *recorder { return &recorder{wake: make(chan struct{})} }

func (r *recorder) listen(ev any) {
	switch ev.(type) {
	case *network.EventRequestWillBeSent,
		*network.EventRequestWillBeSentExtraInfo,
		*network.EventResponseReceived,
		*network.EventResponseReceivedExtraInfo,
		*network.EventLoadingFinished,
		*network.EventLoadingFailed,
		*audits.EventIssueAdded,
		*cdplog.EventEntryAdded:
	default:
		return
	}
	r.mu.Lock()
	r.events = append(r.events, ev)
	close(r.wake)
	r.wake = make(chan struct{})
	r.mu.Unlock()
}

// changed is closed at the next event after the call.
func (r *recorder) changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.wake
}

// mark returns the position from which the next probe's events start.
func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// since returns the events recorded from position i on.
func (r *recorder) since(i int) []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]any(nil), r.events[i:]...)
}
