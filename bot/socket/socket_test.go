package socket

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// socketBot runs the bot on a real socket-mode client connected to the Slack fake.
func socketBot(t *testing.T) (*slackfake.Fake, *Health) {
	t.Helper()
	sf := slackfake.New(t, slackfake.Options{PingInterval: 200 * time.Millisecond})
	api := slack.New(sf.BotToken(), slack.OptionAPIURL(sf.APIURL()), slack.OptionAppLevelToken(sf.AppToken()))
	sm := socketmode.New(api)
	reg := commands.NewRegistry()
	if err := reg.Add(echoVerb()); err != nil {
		t.Fatal(err)
	}
	router := commands.NewRouter(reg, commands.NewAuthorizer(commands.Policy{}, nil, 0, nil), nil, nil)
	health := NewHealth(nil)
	b := New(discardLogger(), sm.Events, sm, api, router, health, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{}, 2)
	go func() { _ = sm.RunContext(ctx); done <- struct{}{} }()
	go func() { _ = b.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	if err := sf.WaitConnected(t.Context()); err != nil {
		t.Fatal(err)
	}
	return sf, health
}

// ask sends a command and waits for its reply.
func ask(t *testing.T, sf *slackfake.Fake, text string) string {
	t.Helper()
	env, err := sf.SlashCommand(t.Context(), slackfake.SlashCommand{UserID: "U1", ChannelID: "C1", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sf.Ack(t.Context(), env.ID); err != nil {
		t.Fatal(err)
	}
	snap, err := sf.WaitFor(t.Context(), func(s *slackfake.Snapshot) bool { return len(answersOf(s, env.ID)) > 0 })
	if err != nil {
		t.Fatal(err)
	}
	return answersOf(snap, env.ID)[0].Text
}

func TestOverSocketMode(t *testing.T) {
	t.Parallel()
	sf, health := socketBot(t)
	if got := ask(t, sf, "echo one"); !strings.Contains(got, "U1 one") {
		t.Fatalf("reply = %q", got)
	}
	if up, _, _ := health.SlackState(); !up {
		t.Error("health does not show the connection")
	}
}

func TestRecoversFromDisconnectEnvelope(t *testing.T) {
	t.Parallel()
	sf, _ := socketBot(t)
	ask(t, sf, "echo before")
	before := sf.Connections()
	sf.Disconnect("refresh_requested")
	if _, err := sf.WaitFor(t.Context(), func(s *slackfake.Snapshot) bool { return s.Connections > before && s.Live > 0 }); err != nil {
		t.Fatal(err)
	}
	if got := ask(t, sf, "echo after"); !strings.Contains(got, "U1 after") {
		t.Fatalf("reply after reconnect = %q", got)
	}
}

func TestRecoversFromDroppedSocket(t *testing.T) {
	t.Parallel()
	sf, _ := socketBot(t)
	ask(t, sf, "echo before")
	before := sf.Connections()
	sf.DropSocket()
	if _, err := sf.WaitFor(t.Context(), func(s *slackfake.Snapshot) bool { return s.Connections > before && s.Live > 0 }); err != nil {
		t.Fatal(err)
	}
	if got := ask(t, sf, "echo after"); !strings.Contains(got, "U1 after") {
		t.Fatalf("reply after reconnect = %q", got)
	}
}

// answersOf are the posts that answer an envelope, without its progress notes.
func answersOf(sn *slackfake.Snapshot, envelopeID string) []slackfake.ResponsePost {
	var out []slackfake.ResponsePost
	for _, p := range sn.ResponseURLPosts(envelopeID) {
		if !strings.Contains(string(p.Body), ProgressBlockID) {
			out = append(out, p)
		}
	}
	return out
}
