package socket

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Health tracks the Slack connection from the socket-mode events, because slack-go retries some
// failures forever without returning (a missing scope, a disabled link): readiness must not trust
// it to give up.
type Health struct {
	now func() time.Time

	mu        sync.Mutex
	up        bool
	lastHello time.Time
	downSince time.Time
}

// NewHealth returns a tracker that starts disconnected.
func NewHealth(now func() time.Time) *Health {
	if now == nil {
		now = time.Now
	}
	return &Health{now: now, downSince: now()}
}

func (h *Health) connecting() { h.set(false) }
func (h *Health) lost()       { h.set(false) }
func (h *Health) connected()  { h.set(true) }

func (h *Health) hello() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.up = true
	h.lastHello = h.now()
}

func (h *Health) set(up bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.up && !up {
		h.downSince = h.now()
	}
	h.up = up
}

// SlackState says whether the socket is up, when Slack last said hello, and since when it has
// been down (zero when up).
func (h *Health) SlackState() (up bool, lastHello, downSince time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.up {
		return true, h.lastHello, time.Time{}
	}
	return false, h.lastHello, h.downSince
}

// SlackReady is true while the socket is up, and for grace after it dropped (a reconnect takes a
// moment and is no reason to pull the replica out of service).
func (h *Health) SlackReady(grace time.Duration) bool {
	up, hello, down := h.SlackState()
	if up {
		return !hello.IsZero()
	}
	return !hello.IsZero() && h.now().Sub(down) < grace
}

// ReadyGrace is how long a dropped Slack connection may take to come back before the replica
// reports itself not ready.
const ReadyGrace = 60 * time.Second

// HealthHandler serves /healthz (the process answers), /readyz (Slack connected recently and
// every other check passes, e.g. Redis reachable) and, when metrics is not nil, /metrics.
func HealthHandler(h *Health, checks map[string]func(context.Context) error, metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		res := map[string]string{}
		ok := true
		if h.SlackReady(ReadyGrace) {
			res["slack"] = "ok"
		} else {
			res["slack"] = "not connected"
			ok = false
		}
		for name, check := range checks {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			err := check(ctx)
			cancel()
			if err != nil {
				res[name] = "failing"
				ok = false
			} else {
				res[name] = "ok"
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(res)
	})
	return mux
}
