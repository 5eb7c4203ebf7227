package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/sethvargo/go-envconfig"
)

func TestHealthURL(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/healthz",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/healthz",
		"[::]:9000":      "http://127.0.0.1:9000/healthz",
		"127.0.0.1:8081": "http://127.0.0.1:8081/healthz",
		"[::1]:8081":     "http://[::1]:8081/healthz",
		"localhost:80":   "http://localhost:80/healthz",
		"10.1.2.3:8080":  "http://10.1.2.3:8080/healthz",
	} {
		if got, err := healthURL(addr); err != nil || got != want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	for _, bad := range []string{"8080", ":0", "host:", ""} {
		if got, err := healthURL(bad); err == nil {
			t.Errorf("healthURL(%q) = %q, want an error", bad, got)
		}
	}
}

// `mdebot healthcheck` succeeds against the health listener of a running bot (the real `run`
// wiring against the fakes) and fails, with the reason on one line, once that bot has stopped.
func TestHealthcheckAgainstRunningAndStoppedBot(t *testing.T) {
	t.Parallel()
	addr, stop := startStoppableBot(t)
	// Only MDEBOT_HTTP_ADDR is read: the probe needs none of the bot's secrets.
	lookup := envconfig.MapLookuper(map[string]string{"MDEBOT_HTTP_ADDR": addr})
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"mdebot", "healthcheck"}, lookup, &out, &errOut); err != nil {
		t.Fatalf("healthcheck against a running bot: %v", err)
	}
	if got := out.String(); !strings.HasPrefix(got, "healthy: http://"+addr+"/healthz answered 200") || strings.Count(got, "\n") != 1 {
		t.Errorf("healthcheck printed %q", got)
	}
	stop()
	out.Reset()
	err := run(t.Context(), []string{"mdebot", "healthcheck"}, lookup, &out, &errOut)
	if err == nil || !strings.HasPrefix(err.Error(), "unhealthy: http://"+addr+"/healthz") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("healthcheck against a stopped bot: %v (stdout %q)", err, out.String())
	}
}

// startStoppableBot runs `mdebot run` (the real wiring against the fakes) until it is ready, and
// returns its health address and a function that stops it and waits until it has.
func startStoppableBot(t *testing.T) (addr string, stop func()) {
	t.Helper()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	sf := slackfake.New(t, slackfake.Options{})
	addr = freeAddr(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- runBot(ctx, envconfig.MapLookuper(baseEnv(sf, env, addr)), newSyncBuffer(),
			seams{transport: env.Fake.HTTPClient(), limits: defender.Unlimited()})
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("mdebot run returned %v", err)
		}
	}
	t.Cleanup(stop)
	if err := sf.WaitConnected(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitReady(t, addr)
	return addr, stop
}

// A listener that answers anything but 200 is unhealthy, and the status says why.
func TestHealthcheckRefusesNon200(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			t.Errorf("probed %s", r.URL.Path)
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	lookup := envconfig.MapLookuper(map[string]string{"MDEBOT_HTTP_ADDR": strings.TrimPrefix(srv.URL, "http://")})
	var out bytes.Buffer
	err := runHealthcheck(t.Context(), lookup, &out)
	if err == nil || !strings.Contains(err.Error(), "answered 503 Service Unavailable") {
		t.Fatalf("healthcheck of a 503: %v", err)
	}
	if err := runHealthcheck(t.Context(), envconfig.MapLookuper(map[string]string{"MDEBOT_HTTP_ADDR": "nonsense"}), &out); err == nil ||
		!strings.Contains(err.Error(), "MDEBOT_HTTP_ADDR") {
		t.Fatalf("healthcheck with a bad address: %v", err)
	}
}
