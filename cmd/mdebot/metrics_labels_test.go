package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

// The Slack transport names the method from /api/<method> only and keeps Slack's error codes to
// a known set, so that neither a file's upload URL nor a new error code can mint series.
func TestSlackTransportLabels(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/chat.update":
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		case "/api/auth.test":
			w.WriteHeader(http.StatusBadGateway)
			return
		case "/upload/F0ABCDEF123":
			_, _ = w.Write([]byte("OK - 12"))
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		code := map[string]string{"/api/chat.postMessage": "not_in_channel", "/api/users.info": "user_U0ABC_gone"}[r.URL.Path]
		fmt.Fprintf(w, `{"ok":%t,"error":%q}`, code == "", code)
	}))
	defer srv.Close()
	reg := prometheus.NewRegistry()
	st := newSlackTransport(reg, http.DefaultTransport)
	c := &http.Client{Transport: st}
	for _, p := range []string{"/api/chat.postMessage", "/api/users.info", "/api/conversations.history", "/api/chat.update",
		"/api/auth.test", "/upload/F0ABCDEF123", "/api/U0ABC", "/api/../chat.postMessage"} {
		resp, err := c.Post(srv.URL+p, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	want := `
# HELP mdebot_slack_rate_limited_total HTTP 429 answers from the Slack Web API, by method.
# TYPE mdebot_slack_rate_limited_total counter
mdebot_slack_rate_limited_total{method="chat.update"} 1
# HELP mdebot_slack_requests_total Slack Web API calls (each try), by method and error: none, Slack's error code (a known one, else other), ratelimited (HTTP 429), http_5xx and the like, transport.
# TYPE mdebot_slack_requests_total counter
mdebot_slack_requests_total{error="http_5xx",method="auth.test"} 1
mdebot_slack_requests_total{error="none",method="conversations.history"} 1
mdebot_slack_requests_total{error="none",method="other"} 3
mdebot_slack_requests_total{error="not_in_channel",method="chat.postMessage"} 1
mdebot_slack_requests_total{error="other",method="users.info"} 1
mdebot_slack_requests_total{error="ratelimited",method="chat.update"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	// The body slack-go reads is the one Slack sent.
	resp, err := c.Post(srv.URL+"/api/chat.postMessage", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, err := io.ReadAll(resp.Body); err != nil || string(b) != `{"ok":false,"error":"not_in_channel"}` {
		t.Errorf("body after counting: %q, %v", b, err)
	}
}

// The id check of TestMetricsEndToEnd catches a label that names a user, an id-shaped value and
// a value among the run's ids.
func TestLabelProblemsCatchIDs(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	byUser := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mdebot_by_user_total", Help: "x"}, []string{"user"})
	byMethod := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mdebot_by_method_total", Help: "x"}, []string{"method"})
	filler := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mdebot_filler_total", Help: "x"}, []string{"lane"})
	reg.MustRegister(byUser, byMethod, filler)
	byUser.WithLabelValues("someone").Inc()
	byMethod.WithLabelValues("F0ABCDEF1").Inc()
	byMethod.WithLabelValues("laptop-alice").Inc()
	for i := range 60 {
		filler.WithLabelValues(fmt.Sprintf("lane%c", 'a'+i%26) + strings.Repeat("x", i/26)).Inc()
	}
	got, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	fams := map[string]*dto.MetricFamily{}
	for _, f := range got {
		fams[f.GetName()] = f
	}
	ids := []string{"laptop-alice"}
	for i := range 20 {
		ids = append(ids, fmt.Sprintf("id%d", i))
	}
	p := strings.Join(labelProblems(fams, ids), "\n")
	for _, want := range []string{`mdebot_by_user_total has the label "user"`, `mdebot_by_method_total{method="F0ABCDEF1"} carries an id`,
		`mdebot_by_method_total{method="laptop-alice"} carries an id`} {
		if !strings.Contains(p, want) {
			t.Errorf("problems lack %q:\n%s", want, p)
		}
	}
	if strings.Contains(p, "filler") {
		t.Errorf("a bounded label was flagged:\n%s", p)
	}
}
