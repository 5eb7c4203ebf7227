package slackfake

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// faultKind orders the faults: a rate limit is checked before a failure.
type faultKind int

const (
	faultRateLimit faultKind = iota
	faultFail
)

type faultKey struct {
	method string
	kind   faultKind
}

// fault is an injected reply for the next calls of one method.
type fault struct {
	retryAfter time.Duration
	code       string
	remaining  int // calls left; negative means every call
}

// RateLimit makes the next times calls of method answer HTTP 429 with
// Retry-After (whole seconds, rounded up) and {"ok":false,"error":"ratelimited"},
// which slack-go returns as *slack.RateLimitedError. times < 0 limits every
// call until RateLimit(method, 0, 0) clears it.
func (f *Fake) RateLimit(method string, retryAfter time.Duration, times int) {
	f.setFault(faultKey{method, faultRateLimit}, fault{retryAfter: retryAfter, remaining: times})
}

// FailMethod makes the next times calls of method answer
// {"ok":false,"error":slackError}. times < 0 fails every call until
// FailMethod(method, "", 0) clears it.
func (f *Fake) FailMethod(method, slackError string, times int) {
	f.setFault(faultKey{method, faultFail}, fault{code: slackError, remaining: times})
}

func (f *Fake) setFault(k faultKey, fl fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fl.remaining == 0 {
		delete(f.faults, k)
		return
	}
	f.faults[k] = &fl
}

// injectFault writes the reply of a pending fault for method, if any, and
// reports whether it did.
func (f *Fake) injectFault(w http.ResponseWriter, method string) bool {
	f.mu.Lock()
	var hit *fault
	var kind faultKind
	for _, k := range []faultKind{faultRateLimit, faultFail} {
		key := faultKey{method, k}
		if fl := f.faults[key]; fl != nil {
			hit, kind = fl, k
			if fl.remaining > 0 {
				fl.remaining--
				if fl.remaining == 0 {
					delete(f.faults, key)
				}
			}
			break
		}
	}
	f.mu.Unlock()
	if hit == nil {
		return false
	}
	if kind == faultRateLimit {
		secs := int64(math.Ceil(hit.retryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
		return true
	}
	writeError(w, slackError(hit.code))
	return true
}
