package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/mdebot/mdebot/bot/socket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// checkStep is runCheck's step: one check, one line, and what to do next when it fails.
type checkStep func(name string, f func(ctx context.Context) (string, error), next func(err error) string) bool

// slackChecks are `mdebot check`'s Slack steps after auth.test: the socket-mode connection with
// SLACK_APP_TOKEN (what `run` needs first), the bot token's scopes against what the configured
// features use, and the bot's membership of every configured channel.
func slackChecks(cfg *Config, step checkStep) {
	api := slack.New(cfg.SlackBotToken, slack.OptionAPIURL(cfg.SlackAPIURL), slack.OptionAppLevelToken(cfg.SlackAppToken),
		slack.OptionLog(slog.NewLogLogger(slog.DiscardHandler, slog.LevelDebug)))
	step("Slack socket", func(ctx context.Context) (string, error) {
		return openSocket(ctx, api)
	}, func(err error) string {
		if strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
			return "create an app-level token with connections:write under Basic Information, App-Level Tokens, " +
				"set SLACK_APP_TOKEN to it, and turn Socket Mode on for the app"
		}
		return "let this host reach Slack's WebSocket hosts (wss-*.slack.com, port 443), through HTTPS_PROXY if there is one"
	})
	var botName string
	step("Slack scopes", func(ctx context.Context) (string, error) {
		granted, name, err := grantedScopes(ctx, cfg)
		if err != nil {
			return "", err
		}
		botName = name
		var missing []string
		for _, n := range neededScopes(cfg) {
			if !slices.Contains(granted, n.scope) {
				missing = append(missing, n.scope+" ("+n.why+")")
			}
		}
		if len(missing) > 0 {
			return "", fmt.Errorf("the bot token lacks %s", strings.Join(missing, ", "))
		}
		return fmt.Sprintf("the bot token has the %d scopes the configuration needs", len(neededScopes(cfg))), nil
	}, func(error) string {
		return "add the scopes under OAuth & Permissions (or paste `mdebot manifest` into the app's manifest), " +
			"reinstall the app, and copy the new Bot User OAuth Token into SLACK_BOT_TOKEN if it changed"
	})
	chans := configuredChannels(cfg)
	step("Slack channels", func(ctx context.Context) (string, error) {
		if len(chans) == 0 {
			return "no channel configured", nil
		}
		if err := membershipError(checkMembership(ctx, api, chans), botName); err != nil {
			return "", err
		}
		return fmt.Sprintf("the bot is in all %d configured channels", len(chans)), nil
	}, func(error) string {
		return "invite the bot into each channel named above (`/invite @bot` in the channel, or the channel's " +
			"Integrations tab); the manifest has no chat:write.public, so the bot posts only where it is a member"
	})
}

// openSocket opens a socket-mode connection as `run` does and waits for Slack's hello.
func openSocket(ctx context.Context, api *slack.Client) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sm := socketmode.New(api)
	done := make(chan error, 1)
	go func() { done <- sm.RunContext(ctx) }()
	var result error
	for {
		select {
		case evt := <-sm.Events:
			switch evt.Type {
			case socketmode.EventTypeHello:
				cancel()
				drain(sm, done)
				return "connected with SLACK_APP_TOKEN and received Slack's hello", nil
			case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
				if result == nil { // slack-go retries these forever: the first one is the answer
					if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
						result = ce
					} else {
						result = errors.New("invalid_auth")
					}
					cancel()
				}
			}
		case err := <-done:
			if result == nil {
				result = err
			}
			if result == nil || errors.Is(result, context.Canceled) {
				result = ctx.Err()
			}
			return "", fmt.Errorf("socket mode: %w", socket.ExplainConnError(cmpErr(result, errors.New("no hello from Slack"))))
		}
	}
}

// drain reads the client's events until RunContext returns, so that it never blocks on a send.
func drain(sm *socketmode.Client, done <-chan error) {
	for {
		select {
		case <-sm.Events:
		case <-done:
			return
		}
	}
}

func cmpErr(err, fallback error) error {
	if err == nil {
		return fallback
	}
	return err
}

// grantedScopes calls auth.test with the bot token and returns the scopes Slack names in the
// answer's X-OAuth-Scopes header ("When using the Slack API you can check the HTTP headers to see
// what OAuth scopes you have", api.slack.com/legacy/oauth-scopes, "Working with scopes"; quoted in
// slack-go/slack issue #1076; slack-go does not expose the header, hence the plain request) and
// the bot's handle.
func grantedScopes(ctx context.Context, cfg *Config) ([]string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.SlackAPIURL+"auth.test", strings.NewReader(url.Values{}.Encode()))
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+cfg.SlackBotToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("auth.test: %w", errors.Unwrap(err)) // the *url.Error holds the URL only
	}
	defer resp.Body.Close()
	var body struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
		User  string `json:"user"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || !body.OK {
		return nil, "", fmt.Errorf("auth.test with SLACK_BOT_TOKEN: %s (HTTP %d)", cmpStr(body.Error, "no answer"), resp.StatusCode)
	}
	h := resp.Header.Get("X-OAuth-Scopes")
	if h == "" {
		return nil, "", errors.New("Slack named no scopes for the bot token (no X-OAuth-Scopes header in auth.test's answer)")
	}
	var out []string
	for _, s := range strings.Split(h, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, body.User, nil
}

func cmpStr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// scopeNeed is a bot scope and the feature that needs it.
type scopeNeed struct{ scope, why string }

// neededScopes are the bot scopes the configured features call for (the manifest holds them all).
func neededScopes(cfg *Config) []scopeNeed {
	need := []scopeNeed{
		{"commands", "the /mde command"},
		{"chat:write", "replies, cards and alerts"},
		{"users:read", "roles: guests and deactivated users"},
		{"im:write", "hunt results by direct message"},
		{"files:write", "hunt results as CSV"},
	}
	if len(configuredChannels(cfg)) > 0 {
		need = append(need, scopeNeed{"channels:read", "checking the bot is in its channels"},
			scopeNeed{"groups:read", "checking the bot is in its private channels"})
	}
	if cfg.AlertChannel != "" || !cfg.AlertRouteRules.Empty() {
		need = append(need, scopeNeed{"channels:history", "alert recovery reads the alert channels"},
			scopeNeed{"groups:history", "alert recovery reads private alert channels"})
	}
	if cfg.ActionsEnabled() {
		need = append(need, scopeNeed{"users:read.email", "Assign to me: the user's e-mail is their UPN"})
	}
	for _, id := range slices.Concat(cfg.Viewers, cfg.Responders, cfg.Approvers) {
		if strings.HasPrefix(id, "S") {
			need = append(need, scopeNeed{"usergroups:read", "user groups in MDEBOT_VIEWERS, _RESPONDERS or _APPROVERS"})
			break
		}
	}
	return need
}
