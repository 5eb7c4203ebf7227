package mdefake

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault makes matching requests fail or slow down. Faults are checked in the order they were
// injected, before authentication, on both the MDE and the Entra server; the first match applies.
type Fault struct {
	// Method matches the HTTP method; "" matches any.
	Method string
	// PathContains matches a case-insensitive substring of the path; "" matches any.
	PathContains string
	// Status is the status code to reply with; 0 lets the request through after Latency.
	Status int
	// Code and Message fill the error body; Code defaults from Status (e.g. TooManyRequests).
	Code, Message string
	// RetryAfter, when set, is sent as a Retry-After header in whole seconds (rounded up).
	RetryAfter time.Duration
	// Latency delays the reply; the request returns early when its client gives up.
	Latency time.Duration
	// Times is how many requests the fault applies to; 0 means every request until removed.
	Times int
	// Hold, when set, keeps a matching request until the channel is closed, and then lets it
	// through (or fails it with Status) even when its client has gone meanwhile: the real
	// service may act on a request whose answer never reached the sender (a sender killed
	// mid-call). Held, when set, is called as a request starts waiting.
	Hold <-chan struct{}
	Held func(r *http.Request)
}

// faultEntry is an injected fault and how many more times it applies.
type faultEntry struct {
	id        int
	fault     Fault
	remaining int
}

// Inject adds a fault and returns a function that removes it.
func (f *Fake) Inject(ft Fault) (remove func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faultSeq++
	id := f.faultSeq
	f.faults = append(f.faults, &faultEntry{id: id, fault: ft, remaining: ft.Times})
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.removeFaultLocked(id)
	}
}

func (f *Fake) removeFaultLocked(id int) {
	for i, e := range f.faults {
		if e.id == id {
			f.faults = append(f.faults[:i], f.faults[i+1:]...)
			return
		}
	}
}

// takeFault returns the first fault matching r, counting it against Times.
func (f *Fake) takeFault(r *http.Request) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := strings.ToLower(r.URL.Path)
	for _, e := range f.faults {
		ft := e.fault
		if (ft.Method != "" && !strings.EqualFold(ft.Method, r.Method)) || !strings.Contains(path, strings.ToLower(ft.PathContains)) {
			continue
		}
		if ft.Times > 0 {
			if e.remaining--; e.remaining <= 0 {
				f.removeFaultLocked(e.id)
			}
		}
		return ft, true
	}
	return Fault{}, false
}

// applyFault applies the matching fault, if any, and reports whether the request is done.
func (f *Fake) applyFault(w http.ResponseWriter, r *http.Request, writeErr func(http.ResponseWriter, int, string, string)) bool {
	ft, ok := f.takeFault(r)
	if !ok {
		return false
	}
	if ft.Hold != nil {
		if ft.Held != nil {
			ft.Held(r)
		}
		select {
		case <-ft.Hold:
		case <-f.closing:
			writeErr(w, http.StatusServiceUnavailable, "ServiceUnavailable", "The server is shutting down.")
			return true
		}
	}
	if ft.Latency > 0 {
		t := time.NewTimer(ft.Latency)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return true
		case <-f.closing:
			writeErr(w, http.StatusServiceUnavailable, "ServiceUnavailable", "The server is shutting down.")
			return true
		case <-t.C:
		}
	}
	if ft.Status == 0 {
		return false
	}
	if ft.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ft.RetryAfter.Seconds()))))
	}
	code, msg := ft.Code, ft.Message
	if code == "" {
		code = defaultErrorCode(ft.Status)
	}
	if msg == "" {
		msg = "Injected fault: " + http.StatusText(ft.Status) + "."
	}
	writeErr(w, ft.Status, code, msg)
	return true
}

// defaultErrorCode names a status the way MDE error codes do.
func defaultErrorCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "BadRequest"
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	}
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}
