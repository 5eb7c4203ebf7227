package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/sethvargo/go-envconfig"
)

// Slack users and channels of the demo workspace.
const (
	demoAnalyst  = "U0ANALYST"
	demoLead     = "U0LEAD"
	demoSOC      = "C0SOC"
	demoApproval = "C0APPROVALS"
	demoAlerts   = "C0ALERTS"
)

// demoStep is one thing the demo analyst does.
type demoStep struct {
	say  string // what the step shows
	text string // the /mde command text
	// click, when set, clicks the first button of the previous answer whose action id it is.
	click string
	// notWhile, when set, asks again (a few times, briefly apart) while the answer holds it.
	notWhile string
}

var demoSteps = []demoStep{
	{say: "What can the bot do?", text: "help"},
	{say: "A short name that two domains share gives a choice, never a guess.", text: "machine web01"},
	{say: "The analyst picks the first device.", click: "mde_run"},
	{say: "A device card by exact name.", text: "machine " + mdefake.DemoAlice},
	{say: "High-severity alerts of the last week.", text: "alerts severity=high since=7d"},
	{say: "Enrichment of a file seen in an alert.", text: "file " + mdefake.FakeSHA1("mimikatz.exe")},
	{say: "Advanced hunting: a table here, the whole result as a CSV file in a direct message.", text: "hunt DeviceProcessEvents | where FileName =~ \"powershell.exe\" | take 50"},
	{say: "Bad input gets a specific answer and changes nothing.", text: "machine web01' or 1 eq 1"},
	{say: "The bot's own health, once the first alert poll has finished.", text: "status", notWhile: "no poll has finished yet"},
}

// runDemo is `mdebot demo`: it starts in-process fakes of MDE, Entra and Slack, runs the real bot
// against them with the same wiring as `mdebot run`, plays an analyst's session and prints it.
func runDemo(ctx context.Context, stdout, stderr io.Writer) error {
	env, err := defendertest.Start(defendertest.Options{Seed: true})
	if err != nil {
		return fmt.Errorf("demo: start the Defender fake: %w", err)
	}
	defer env.Fake.Close()
	sf, err := slackfake.Start(slackfake.Options{})
	if err != nil {
		return fmt.Errorf("demo: start the Slack fake: %w", err)
	}
	defer sf.Close()
	// Real people have profiles: users.info gives their e-mail address (users:read.email), which
	// names them in the Comment MDE records with each action ("alice@contoso.com (U0ANALYST)").
	sf.SetUser(slackfake.User{ID: demoAnalyst, Name: "alice", RealName: "Alice Wong", Email: "alice@contoso.com", TZ: "Europe/London"})
	sf.SetUser(slackfake.User{ID: demoLead, Name: "dana", RealName: "Dana Okafor", Email: "dana.okafor@contoso.com", TZ: "Europe/London"})

	vars := fakesEnv(sf, env)
	maps.Copy(vars, map[string]string{
		"MDEBOT_RESPONDERS":       demoAnalyst,
		"MDEBOT_APPROVERS":        demoLead + "," + demoAnalyst,
		"MDEBOT_APPROVAL_CHANNEL": demoApproval,
		"MDEBOT_ALERT_CHANNEL":    demoAlerts,
		"MDEBOT_ALERT_LOOKBACK":   "168h",
		"MDEBOT_HTTP_ADDR":        "127.0.0.1:0",
		"MDEBOT_LOG_LEVEL":        "error",
		"MDEBOT_LOG_FORMAT":       "text",
	})
	lookup := envconfig.MapLookuper(vars)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	botDone := make(chan error, 1)
	// The workflow runs on the Defender fake's clock, which the demo moves by hand (time-boxed
	// isolation), and sweeps often.
	sm := seams{transport: env.Fake.HTTPClient(), approvals: approvalSeams{now: env.Fake.Now, sweepEvery: demoSweepEvery}}
	go func() { botDone <- runBot(ctx, lookup, stderr, sm) }()

	wctx, wcancel := context.WithTimeout(ctx, 15*time.Second)
	defer wcancel()
	if err := sf.WaitConnected(wctx); err != nil {
		cancel()
		return errors.Join(fmt.Errorf("demo: the bot did not connect to the Slack fake: %w", err), <-botDone)
	}
	fmt.Fprintln(stdout, "mdebot demo: the real bot, wired as `mdebot run` wires it, against in-process fakes of")
	fmt.Fprintln(stdout, "Slack (socket mode), Microsoft Defender for Endpoint and Entra ID. Nothing leaves this machine.")
	if err := showAlerts(ctx, stdout, sf); err != nil {
		cancel()
		return errors.Join(err, <-botDone)
	}
	var last *slackfake.ResponsePost
	for _, st := range demoSteps {
		post, err := playStep(ctx, sf, st, last)
		// The first poll keeps Slack's pace (about a post a second per channel), so it may run
		// for several seconds; ask again once a second, well inside the analyst's own limit of
		// commands a minute, which the rest of the demo needs too.
		for try := 0; err == nil && st.notWhile != "" && strings.Contains(string(post.Body), st.notWhile) && try < 20; try++ {
			time.Sleep(time.Second)
			post, err = playStep(ctx, sf, st, last)
		}
		if err != nil {
			cancel()
			return errors.Join(err, <-botDone)
		}
		fmt.Fprintf(stdout, "\n# %s\n", st.say)
		if st.text != "" {
			fmt.Fprintf(stdout, "> /mde %s\n", st.text)
		} else {
			btn, _ := firstButton(last, st.click) // its label, as the analyst sees it; never the action id
			fmt.Fprintf(stdout, "> (clicks %s)\n", button(btn))
		}
		fmt.Fprintln(stdout, indent(messageText(post.Body)))
		last = post
	}
	if files := sf.Files(); len(files) > 0 {
		f := files[len(files)-1]
		fmt.Fprintf(stdout, "\n# Attached file %s (%d bytes), first lines:\n%s\n", f.Name, len(f.Content), indent(firstLines(string(f.Content), 4)))
	}
	if err := showApproval(ctx, stdout, sf, env); err != nil {
		cancel()
		return errors.Join(err, <-botDone)
	}
	if err := showTimed(ctx, stdout, sf, env); err != nil {
		cancel()
		return errors.Join(err, <-botDone)
	}
	cancel()
	if err := <-botDone; err != nil {
		return fmt.Errorf("demo: the bot stopped with an error: %w", err)
	}
	fmt.Fprintln(stdout, "\nDemo finished: the bot shut down cleanly.")
	return nil
}

// playStep sends one command (or clicks a button of the previous answer) and waits for the
// bot's reply through the response URL.
func playStep(ctx context.Context, sf *slackfake.Fake, st demoStep, last *slackfake.ResponsePost) (*slackfake.ResponsePost, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var env slackfake.Envelope
	var err error
	if st.click != "" {
		value, ok := firstButtonValue(last, st.click)
		if !ok {
			return nil, fmt.Errorf("demo: the previous answer has no %q button", st.click)
		}
		env, err = sf.BlockAction(ctx, slackfake.BlockAction{UserID: demoAnalyst, ChannelID: demoSOC,
			ActionID: st.click, BlockID: "demo", Value: value, MessageTS: "1.0"})
	} else {
		env, err = sf.SlashCommand(ctx, slackfake.SlashCommand{UserID: demoAnalyst, ChannelID: demoSOC, Text: st.text})
	}
	if err != nil {
		return nil, fmt.Errorf("demo: send %q: %w", st.text+st.click, err)
	}
	snap, err := sf.WaitFor(ctx, func(s *slackfake.Snapshot) bool { return len(s.ResponseURLPosts(env.ID)) > 0 })
	if err != nil {
		return nil, fmt.Errorf("demo: no answer to %q: %w", st.text+st.click, err)
	}
	posts := snap.ResponseURLPosts(env.ID)
	return &posts[0], nil
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// fakesEnv is the configuration that points mdebot at the Slack and Defender fakes: tokens, URLs
// and the fake Entra app's credentials. The demo and the tests add their people and channels.
func fakesEnv(sf *slackfake.Fake, env *defendertest.Env) map[string]string {
	return map[string]string{
		"SLACK_APP_TOKEN":       sf.AppToken(),
		"SLACK_BOT_TOKEN":       sf.BotToken(),
		"MDEBOT_SLACK_API_URL":  sf.APIURL(),
		"AZURE_TENANT_ID":       defendertest.TenantID,
		"AZURE_CLIENT_ID":       defendertest.ClientID,
		"AZURE_CLIENT_SECRET":   defendertest.Secret,
		"AZURE_AUTHORITY_HOST":  env.Fake.AuthorityURL(),
		"MDEBOT_DEFENDER_URL":   env.Fake.MDEURL(),
		"MDEBOT_DEFENDER_SCOPE": env.Fake.Scope(),
		"MDEBOT_GRAPH_URL":      env.Fake.GraphURL(),
	}
}
