package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// newRegistry returns the process's metrics registry, with the Go runtime's and the process's
// collectors. Nothing registers on Prometheus's global registry: each package that owns numbers
// registers its own metrics on this one, passed to its constructor.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// metricsHandler serves reg in the Prometheus exposition format (/metrics).
func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// slackTransport counts every Slack Web API call (each try of slack-go's retries) by method and
// error, and the 429s, around the transport next. Methods are called at https://slack.com/api/METHOD
// and the response "will always contain a top-level boolean property ok"; on failure "the error
// property will contain a short machine-readable error code" (Slack's Web API overview,
// https://github.com/slackhq/slack-api-docs/blob/master/index_web.md). A method whose rate limit
// is exceeded answers HTTP 429 with Retry-After (docs.slack.dev, "Rate limits",
// https://docs.slack.dev/apis/web-api/rate-limits).
type slackTransport struct {
	next    http.RoundTripper
	calls   *prometheus.CounterVec
	limited *prometheus.CounterVec
}

// newSlackTransport registers the Slack metrics on r and returns the counting transport.
func newSlackTransport(r prometheus.Registerer, next http.RoundTripper) *slackTransport {
	t := &slackTransport{
		next: next,
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mdebot_slack_requests_total",
			Help: "Slack Web API calls (each try), by method and error: none, Slack's error code (a known one, else other), ratelimited (HTTP 429), http_5xx and the like, transport.",
		}, []string{"method", "error"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mdebot_slack_rate_limited_total",
			Help: "HTTP 429 answers from the Slack Web API, by method.",
		}, []string{"method"}),
	}
	r.MustRegister(t.calls, t.limited)
	return t
}

// RoundTrip implements http.RoundTripper.
func (t *slackTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	method := slackMethod(req.URL.Path)
	resp, err := t.next.RoundTrip(req)
	switch {
	case err != nil:
		t.calls.WithLabelValues(method, "transport").Inc()
		return resp, err
	case resp.StatusCode == http.StatusTooManyRequests:
		t.limited.WithLabelValues(method).Inc()
		t.calls.WithLabelValues(method, "ratelimited").Inc()
		return resp, nil
	case resp.StatusCode > 299:
		t.calls.WithLabelValues(method, "http_"+strconv.Itoa(resp.StatusCode/100)+"xx").Inc()
		return resp, nil
	}
	code := "none"
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		body, rerr := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if rerr != nil {
			t.calls.WithLabelValues(method, "transport").Inc()
			return resp, nil // slack-go reads the same short body and reports it
		}
		var r struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &r) == nil && !r.OK && r.Error != "" {
			code = slackErrorLabel(r.Error)
		}
	}
	t.calls.WithLabelValues(method, code).Inc()
	return resp, nil
}

// slackMethod is the Web API method of a request path (/api/chat.postMessage), or "other" for
// anything else, such as the upload of a file's bytes to the URL files.getUploadURLExternal
// gave (whose last element is a file ID, never a label).
func slackMethod(p string) string {
	dir, name := path.Split(p)
	if path.Base(dir) != "api" || !strings.Contains(name, ".") || len(name) > 64 {
		return "other"
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '.') {
			return "other"
		}
	}
	return name
}

// slackErrorLabel keeps the error codes the bot meets and acts on (the refusals and content
// errors of bot/alerts, the throttling and outage codes, the look-ups' misses); any other
// becomes "other", so that the label stays bounded whatever Slack answers.
func slackErrorLabel(code string) string {
	switch code {
	case "channel_not_found", "not_in_channel", "is_archived", "channel_is_archived",
		"restricted_action", "restricted_action_read_only_channel", "restricted_action_thread_only_channel",
		"restricted_action_non_threadable_channel", "team_access_not_granted", "ekm_access_denied",
		"access_denied", "not_allowed_token_type", "invalid_auth", "not_authed", "account_inactive",
		"token_revoked", "token_expired", "missing_scope", "no_permission", "org_login_required",
		"msg_too_long", "msg_blocks_too_long", "invalid_blocks", "invalid_blocks_format", "invalid_attachments",
		"no_text", "too_many_attachments", "invalid_metadata_format", "invalid_metadata_schema",
		"metadata_too_large", "metadata_must_be_sent_from_app",
		"ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout",
		"invalid_arguments", "invalid_arg_name", "invalid_cursor", "invalid_trigger_id", "expired_trigger_id",
		"message_not_found", "cant_update_message", "edit_window_closed", "thread_not_found",
		"user_not_found", "users_not_found", "user_not_visible", "no_such_subteam", "view_not_found":
		return code
	}
	return "other"
}
