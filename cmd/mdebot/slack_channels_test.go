package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/slack-go/slack"
)

// At start the bot logs each configured channel it is not in; readiness and status name them
// until it is invited, which they notice within a minute without a restart.
func TestChannelWatch(t *testing.T) {
	t.Parallel()
	sf := slackfake.New(t, slackfake.Options{})
	sf.SetChannel(slackfake.Channel{ID: "C0AUDIT", Name: "soc-audit", BotAbsent: true})
	var logs bytes.Buffer
	now := time.Unix(1_700_000_000, 0)
	cfg := &Config{AlertChannel: "C0SOC", ApprovalChannel: "C0SOC", AuditChannel: "C0AUDIT"}
	w := &channelWatch{api: slack.New(sf.BotToken(), slack.OptionAPIURL(sf.APIURL())), chans: configuredChannels(cfg),
		log: slog.New(slog.NewTextHandler(&logs, nil)), now: func() time.Time { return now }}
	if len(w.chans) != 2 || strings.Join(w.chans[0].Vars, ",") != "MDEBOT_ALERT_CHANNEL,MDEBOT_APPROVAL_CHANNEL" {
		t.Fatalf("channels = %+v", w.chans)
	}
	w.run(t.Context())
	if !strings.Contains(logs.String(), "#soc-audit (C0AUDIT)") || !strings.Contains(logs.String(), "/invite") {
		t.Errorf("start log does not name the channel:\n%s", logs.String())
	}
	if _, err := w.probe(t.Context()); err == nil || !strings.Contains(err.Error(), "MDEBOT_AUDIT_CHANNEL") {
		t.Errorf("status = %v, want the audit channel named", err)
	}
	sf.SetChannel(slackfake.Channel{ID: "C0AUDIT", Name: "soc-audit"}) // /invite @mdebot
	if err := w.problem(t.Context(), false); err == nil {
		t.Error("asked Slack again within the minute")
	}
	now = now.Add(recheckEvery)
	if msg, err := w.probe(t.Context()); err != nil || !strings.Contains(msg, "all 2") {
		t.Errorf("after the invite: %q, %v", msg, err)
	}
}
