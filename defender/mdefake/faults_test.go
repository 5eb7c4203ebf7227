package mdefake

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFaultRetryAfter(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	remove := f.Inject(Fault{Method: http.MethodGet, PathContains: "/api/ALERTS", Status: 429, RetryAfter: 1500 * time.Millisecond})
	for range 2 {
		status, body, h := api.do(http.MethodGet, "/api/alerts", "")
		if status != 429 || h.Get("Retry-After") != "2" || !strings.Contains(string(body), `"code":"TooManyRequests"`) {
			t.Fatalf("fault: %d %q %s", status, h.Get("Retry-After"), body)
		}
	}
	// Faults apply before authentication and only where they match.
	noAuth := &apiClient{t: t, f: f}
	if status, _, _ := noAuth.do(http.MethodGet, "/api/alerts", ""); status != 429 {
		t.Errorf("fault without token: %d", status)
	}
	api.decode(http.MethodGet, "/api/machines", "", 200, nil)
	remove()
	api.decode(http.MethodGet, "/api/alerts", "", 200, nil)
	if n := f.RequestCount("/api/alerts"); n != 4 {
		t.Errorf("RequestCount = %d, want 4", n)
	}
	f.ResetRequests()
	if len(f.Requests()) != 0 {
		t.Error("ResetRequests kept requests")
	}
}

func TestFaultTimes(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	f.Inject(Fault{PathContains: "/machines", Status: 503, Code: "ServiceUnavailable", Message: "try later", Times: 2})
	for range 2 {
		api.wantError(http.MethodGet, "/api/machines", "", 503, "ServiceUnavailable")
	}
	api.decode(http.MethodGet, "/api/machines", "", 200, nil)

	// Faults on the token endpoint use the Entra error shape.
	f.Inject(Fault{PathContains: "/oauth2/", Status: 500, Times: 1})
	status, body := postToken(t, f, testTenant, secretForm(testSecret, DefaultAudience+"/.default"))
	if status != 500 || body["error"] != "InternalServerError" {
		t.Errorf("token fault: %d %v", status, body)
	}
	if status, _ := postToken(t, f, testTenant, secretForm(testSecret, DefaultAudience+"/.default")); status != 200 {
		t.Errorf("token after fault: %d", status)
	}
}

func TestFaultLatencyRespectsContext(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	f.Inject(Fault{PathContains: "/api/alerts", Latency: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.MDEURL()+"/api/alerts", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+api.token)
	resp, err := f.HTTPClient().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("request returned %d, want a context error", resp.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want deadline exceeded", err)
	}
	// A latency-only fault lets the request through afterwards.
	f2, api2 := setup(t, Options{})
	f2.Inject(Fault{PathContains: "/api/machines", Latency: time.Millisecond})
	api2.decode(http.MethodGet, "/api/machines", "", 200, nil)
	// Close returns although a request may still be held by the hour-long latency.
	f.Close()
}

// A held request whose client gave up is still carried out once released, as MDE may carry out a
// request whose sender died before the answer came.
func TestFaultHoldActsAfterClientLeft(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	machine := MachineID(DemoAlice)
	before := len(f.Actions())
	hold, held := make(chan struct{}), make(chan struct{})
	f.Inject(Fault{Method: http.MethodPost, PathContains: "/isolate", Hold: hold, Held: func(*http.Request) { close(held) }, Times: 1})
	ctx, cancel := context.WithCancel(t.Context())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.MDEURL()+"/api/machines/"+machine+"/isolate",
		strings.NewReader(`{"Comment":"held","IsolationType":"Full"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+api.token)
	req.Header.Set("Content-Type", "application/json")
	errs := make(chan error, 1)
	go func() {
		resp, err := f.HTTPClient().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errs <- err
	}()
	<-held
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("the held request returned %v, want its cancellation", err)
	}
	if n := len(f.Actions()) - before; n != 0 {
		t.Fatalf("%d new actions while held", n)
	}
	close(hold)
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for len(f.Actions()) == before {
		select {
		case <-deadline.C:
			t.Fatal("the released request made no action")
		case <-tick.C:
		}
	}
	if a := f.Actions()[before]; a.Type != "Isolate" || a.RequestorComment != "held" {
		t.Errorf("action = %+v", a)
	}
}
