package reliability

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// flakySlack sits in front of the Slack fake's Web API. While limiting, it answers every other
// chat.postMessage with Slack's HTTP 429 and Retry-After (docs.slack.dev, "Rate limits",
// https://docs.slack.dev/apis/web-api/rate-limits), as a workspace under load does; everything
// else goes through to the fake unchanged.
type flakySlack struct {
	url      string
	mu       sync.Mutex
	limiting bool
	posts    int
	limited  int
}

func startFlakySlack(t *testing.T, target string) *flakySlack {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	f := &flakySlack{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/chat.postMessage") && f.refuse() {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// refuse reports whether this post gets a 429.
func (f *flakySlack) refuse() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.limiting {
		return false
	}
	f.posts++
	if f.posts%2 == 0 {
		f.limited++
		return true
	}
	return false
}

// limit turns the every-other-post 429 on or off and returns how many posts it refused so far.
func (f *flakySlack) limit(on bool) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limiting = on
	return f.limited
}

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}
