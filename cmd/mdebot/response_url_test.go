package main

import (
	"net/url"
	"strings"
	"testing"
)

func TestResponseURLOnlyToSlack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url, api string
		ok       bool
	}{
		{"https://hooks.slack.com/commands/T1/2/abc", "https://slack.com/api/", true},
		{"https://hooks.slack.com/actions/T1/2/abc", "https://slack.com/api/", true},
		{"https://hooks.slack-gov.com/commands/T1/2/abc", "https://slack-gov.com/api/", true},
		{"http://127.0.0.1:4390/response/e1", "http://127.0.0.1:4390/api/", true},
		{"http://hooks.slack.com/commands/T1/2/abc", "https://slack.com/api/", false},
		{"https://hooks.slack.com:8443/commands/x", "https://slack.com/api/", false},
		{"https://evil.example/commands/T1/2/abc", "https://slack.com/api/", false},
		{"https://hooks.slack.com.evil.example/x", "https://slack.com/api/", false},
		{"http://127.0.0.1:9999/response/e1", "http://127.0.0.1:4390/api/", true},
		{"http://127.0.0.1:9999/response/e1", "https://slack.com/api/", false},
		{"http://169.254.169.254/latest/meta-data", "https://slack.com/api/", false},
	} {
		u, _ := url.Parse(tc.url)
		if got := allowedResponseURL(u, tc.api); got != tc.ok {
			t.Errorf("allowedResponseURL(%s, api %s) = %v, want %v", tc.url, tc.api, got, tc.ok)
		}
	}
	c := responseURLClient("https://slack.com/api/")
	_, err := c.Post("http://169.254.169.254/latest/secret-path", "application/json", strings.NewReader("{}"))
	if err == nil || !strings.Contains(err.Error(), "not Slack's host") {
		t.Errorf("post to another host: %v", err)
	}
}
