package socket

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHealthReadiness(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	h := NewHealth(func() time.Time { return now })
	if h.SlackReady(time.Minute) {
		t.Error("ready before any hello")
	}
	h.connected()
	h.hello()
	if !h.SlackReady(time.Minute) {
		t.Error("not ready after hello")
	}
	h.connecting()
	now = now.Add(30 * time.Second)
	if !h.SlackReady(time.Minute) {
		t.Error("not ready within the grace of a reconnect")
	}
	now = now.Add(time.Minute)
	if h.SlackReady(time.Minute) {
		t.Error("still ready long after the connection dropped")
	}
	h.hello()
	if !h.SlackReady(time.Minute) {
		t.Error("not ready after reconnecting")
	}
}

func TestHealthHandler(t *testing.T) {
	t.Parallel()
	hl := NewHealth(nil)
	var redisDown atomic.Bool
	srv := httptest.NewServer(HealthHandler(hl, map[string]func(context.Context) error{"redis": func(context.Context) error {
		if redisDown.Load() {
			return io.ErrUnexpectedEOF
		}
		return nil
	}}, nil))
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("healthz = %d", code)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, `"slack":"not connected"`) {
		t.Errorf("readyz before hello = %d %s", code, body)
	}
	hl.hello()
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, `"redis":"ok"`) {
		t.Errorf("readyz = %d %s", code, body)
	}
	redisDown.Store(true)
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, `"redis":"failing"`) {
		t.Errorf("readyz with Redis down = %d %s", code, body)
	}
}
