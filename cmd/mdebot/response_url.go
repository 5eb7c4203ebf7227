package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mdebot/mdebot/bot/socket"
)

// A response_url is a bearer capability that arrives in a payload; the bot posts its answers to
// it. It goes only to Slack: https://hooks.slack.com (the host of the response_url in Slack's
// payload examples, "https://hooks.slack.com/commands/…" and ".../actions/…": api.slack.com/
// interactivity/handling, "Message responses"), "hooks." plus the configured API host for another
// Slack (GovSlack), or the configured API host itself, or loopback when the API is on loopback (a
// fake in tests and the demo). Anything else is refused before a connection is made.

// responseURLClient is the HTTP client for response_url posts.
func responseURLClient(apiURL string) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: responseURLGuard{api: apiURL, next: http.DefaultTransport}}
}

// responseURLGuard refuses requests to hosts that are not Slack's.
type responseURLGuard struct {
	api  string
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (g responseURLGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	if !allowedResponseURL(r.URL, g.api) {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, fmt.Errorf("response_url refused: %s is not Slack's host", r.URL.Host) // the path is the secret: never in this message (interact redacts the whole URL in logs)
	}
	return g.next.RoundTrip(r)
}

// allowedResponseURL reports whether u may receive a response_url post.
func allowedResponseURL(u *url.URL, apiURL string) bool {
	api, err := url.Parse(apiURL)
	if err != nil || u.User != nil {
		return false
	}
	host := strings.ToLower(u.Host)
	switch {
	case u.Scheme == api.Scheme && host == strings.ToLower(api.Host):
		return true
	case isLoopbackHost(api.Hostname()) && isLoopbackHost(u.Hostname()):
		return true // a local fake and a proxy in front of it
	case u.Scheme != "https" || u.Port() != "":
		return false
	case host == "hooks.slack.com":
		return true
	}
	return host == "hooks."+strings.TrimPrefix(strings.ToLower(api.Hostname()), "api.")
}

// socketOptions are the runtime's options (a test's seams, or the defaults) with the guarded
// response_url client, unless a test brought its own.
func socketOptions(opts socket.Options, cfg *Config) socket.Options {
	if opts.HTTPClient == nil {
		opts.HTTPClient = responseURLClient(cfg.SlackAPIURL)
	}
	return opts
}
