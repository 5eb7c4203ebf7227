package slackfake

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Slack's posting pace: "chat.postMessage generally allows posting one message per second per
// channel, while also maintaining a workspace-wide limit"; "Posting messages: 1 per second.
// Short bursts >1 allowed. If you attempt bursts, there is no guarantee that messages will be
// delivered." A call over a limit is answered HTTP 429 with Retry-After (seconds) and
// {"ok":false,"error":"ratelimited"}. (Rate limits, https://api.slack.com/docs/rate-limits and
// https://docs.slack.dev/apis/web-api/rate-limits.)
//
// The fake keeps that pace when Options.PostsPerSecond is set: a token bucket per channel of
// PostBurst tokens refilled at PostsPerSecond, on the fake's clock (Options.Now). A refused call
// takes no token and is recorded (see Paced); Retry-After is the whole seconds, rounded up,
// until the channel has a token again.

// bucket is one channel's posting allowance.
type bucket struct {
	tokens float64
	at     time.Time
}

// paceLocked takes a posting token of channel, or returns how long until one is there; f.mu
// must be held.
func (f *Fake) paceLocked(channel string) (wait time.Duration, ok bool) {
	rate := f.opts.PostsPerSecond
	if rate <= 0 {
		return 0, true
	}
	now := f.opts.Now()
	b := f.buckets[channel]
	if b == nil {
		b = &bucket{tokens: float64(f.opts.PostBurst), at: now}
		f.buckets[channel] = b
	}
	if dt := now.Sub(b.at).Seconds(); dt > 0 {
		b.tokens = math.Min(float64(f.opts.PostBurst), b.tokens+dt*rate)
	}
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / rate * float64(time.Second)), false
}

// enforcePace answers a chat.postMessage over its channel's pace with a 429 and reports whether
// it did.
func (f *Fake) enforcePace(w http.ResponseWriter, method string, req *apiRequest) bool {
	if method != "chat.postMessage" || f.opts.PostsPerSecond <= 0 {
		return false
	}
	f.mu.Lock()
	wait, ok := f.paceLocked(req.get("channel"))
	if !ok {
		f.rec.paced++
		f.notifyLocked()
	}
	f.mu.Unlock()
	if ok {
		return false
	}
	secs := max(1, int64(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
	return true
}

// Paced returns how many chat.postMessage calls the fake refused for going over their
// channel's pace.
func (f *Fake) Paced() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rec.paced
}
