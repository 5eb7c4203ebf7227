package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/store/storetest"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// alertBot runs a bot with the alert buttons over socket mode against the env's Slack fake.
func alertBot(t *testing.T, e *alertEnv) {
	t.Helper()
	api := slack.New(e.slack.BotToken(), slack.OptionAPIURL(e.slack.APIURL()), slack.OptionAppLevelToken(e.slack.AppToken()))
	sm := socketmode.New(api)
	authz := commands.NewAuthorizer(commands.Policy{Responders: []string{"U0RESP", "U0NOMAIL"}}, nil, 0, nil)
	router := commands.NewRouter(commands.NewRegistry(), authz, nil, nil)
	b := New(discardLogger(), sm.Events, sm, api, router, nil, Options{})
	(&AlertButtons{MDE: e.mde.Client, Roles: authz, Users: api}).Register(b)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{}, 2)
	go func() { _ = sm.RunContext(ctx); done <- struct{}{} }()
	go func() { _ = b.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	if err := e.slack.WaitConnected(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// click sends a block action on msg and returns the reply the clicker got.
func click(t *testing.T, sf *slackfake.Fake, msg slackfake.Message, a slackfake.BlockAction) string {
	t.Helper()
	a.ChannelID, a.MessageTS = msg.Channel, msg.TS
	env, err := sf.BlockAction(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := sf.WaitFor(t.Context(), func(s *slackfake.Snapshot) bool { return len(s.ResponseURLPosts(env.ID)) > 0 })
	if err != nil {
		t.Fatal(err)
	}
	return snap.ResponseURLPosts(env.ID)[0].Text
}

// Assign to me and Resolve change the alert in MDE as the clicker, who must be a responder
// with an e-mail address; the next poll edits the message.
func TestAlertButtonsAssignAndResolve(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, storetest.Servers(t)[0])
	e.slack.SetUser(slackfake.User{ID: "U0RESP", Email: "alice@contoso.com"})
	e.slack.SetUser(slackfake.User{ID: "U0NOMAIL"})
	e.slack.SetUser(slackfake.User{ID: "U0VIEW", Email: "viewer@contoso.com"})
	alertBot(t, e)
	p, st := e.newPoller(pollerCfg{})
	id := e.addAlert("High", "Mimikatz", 0)
	mustPoll(t, p, st)
	card := alertCardOf(t, e.slack.Snapshot(), socChannel, id)

	for user, want := range map[string]string{"U0VIEW": "Only responders", "U0NOMAIL": "no e-mail address"} {
		if got := click(t, e.slack, card, slackfake.BlockAction{UserID: user, ActionID: actionAlertAssign}); !strings.Contains(got, want) {
			t.Errorf("%s clicked Assign: %q", user, got)
		}
	}
	if a, _ := e.mde.Fake.Alert(id); a.AssignedTo != "" {
		t.Fatalf("a refused click assigned the alert to %q", a.AssignedTo)
	}
	if got := click(t, e.slack, card, slackfake.BlockAction{UserID: "U0RESP", ActionID: actionAlertAssign}); !strings.Contains(got, "assigned to you (alice@contoso.com)") {
		t.Fatalf("Assign: %q", got)
	}
	if a, _ := e.mde.Fake.Alert(id); a.AssignedTo != "alice@contoso.com" {
		t.Fatalf("assigned to %q", a.AssignedTo)
	}
	got := click(t, e.slack, card, slackfake.BlockAction{UserID: "U0RESP", ActionID: actionAlertResolve,
		Type: "static_select", SelectedOption: "FalsePositive|" + id})
	if !strings.Contains(got, "resolved as false positive") {
		t.Fatalf("Resolve: %q", got)
	}
	if a, _ := e.mde.Fake.Alert(id); a.Status != "Resolved" || a.Classification != "FalsePositive" {
		t.Fatalf("alert after Resolve: %s %s", a.Status, a.Classification)
	}
	if got := click(t, e.slack, card, slackfake.BlockAction{UserID: "U0RESP", ActionID: actionAlertResolve,
		Type: "static_select", SelectedOption: "Bogus|" + id}); !strings.Contains(got, "not a classification") {
		t.Errorf("a bogus classification: %q", got)
	}
	mustPoll(t, p, st)
	card = alertCardOf(t, e.slack.Snapshot(), socChannel, id)
	blocks := string(card.Blocks)
	if !strings.Contains(blocks, "Resolved") || strings.Contains(blocks, actionAlertAssign) || !strings.Contains(string(card.Attachments), "FalsePositive") {
		t.Errorf("the card after the clicks: %s", blocks)
	}
}
