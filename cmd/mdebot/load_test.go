package main

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/bot/socket"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// sendAll sends n slash commands at once and returns the envelope ids.
func sendAll(tb testing.TB, sf *slackfake.Fake, n int, text string) []string {
	tb.Helper()
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			env, err := sf.SlashCommand(tb.Context(), slackfake.SlashCommand{UserID: "U0VIEW", ChannelID: "C0SOC", Text: text})
			if err != nil {
				tb.Error(err)
				return
			}
			ids[i] = env.ID
		})
	}
	wg.Wait()
	return ids
}

// oneUserLoad lifts the per-user limits: the load below comes from one test user, and these
// tests measure the event loop and the lanes, not the limits (bot/socket tests those).
var oneUserLoad = socket.Options{Lookups: socket.LaneOptions{PerUser: -1}, UserRate: -1}

// 200 commands at once are all acknowledged while MDE is still working on the first ones: the
// event loop never waits for MDE.
func TestAcksDoNotWaitForSlowMDE(t *testing.T) {
	t.Parallel()
	s := startStackWith(t, nil, oneUserLoad)
	action := s.mde.Fake.Actions()[0].ID
	// Every worker's first MDE call hangs for 2 s.
	remove := s.mde.Fake.Inject(mdefake.Fault{PathContains: "/api/machineactions/", Latency: 2 * time.Second, Times: 16})
	defer remove()
	ids := sendAll(t, s.slack, 200, "action "+action)
	for _, id := range ids {
		if _, err := s.slack.Ack(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	snap := s.slack.Snapshot()
	answered := 0
	for _, id := range ids {
		answered += len(answers(snap, id))
	}
	if answered != 0 {
		t.Errorf("%d commands were answered before all 200 were acknowledged; MDE was still busy", answered)
	}
	for _, id := range ids {
		if _, err := s.slack.WaitFor(t.Context(), func(sn *slackfake.Snapshot) bool { return len(answers(sn, id)) > 0 }); err != nil {
			t.Fatal(err)
		}
	}
}

// A list longer than a page has a "more" button; clicking it shows the next page.
func TestMoreButtonEndToEnd(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	first := s.ask(t, "U0VIEW", "alerts since=30d")
	if !strings.Contains(first, `"action_id":"mde_more"`) {
		t.Fatalf("no more button on the first page: %s", abbreviate(first))
	}
	value, ok := firstButtonValue(&slackfake.ResponsePost{Body: json.RawMessage(first)}, "mde_more")
	if !ok {
		t.Fatal("the more button has no value")
	}
	env, err := s.slack.BlockAction(t.Context(), slackfake.BlockAction{UserID: "U0VIEW", ChannelID: "C0SOC", MessageTS: "1.0",
		ActionID: "mde_more", BlockID: "more", Value: value})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.slack.WaitFor(t.Context(), func(sn *slackfake.Snapshot) bool { return len(answers(sn, env.ID)) > 0 })
	if err != nil {
		t.Fatal(err)
	}
	second := string(answers(snap, env.ID)[0].Body)
	if strings.Contains(second, `"action_id":"mde_more"`) {
		t.Errorf("the last page still has a more button")
	}
	for _, a := range s.mde.Fake.Alerts() {
		if !strings.Contains(first, a.ID) && !strings.Contains(second, a.ID) {
			t.Errorf("alert %s is on neither page", a.ID)
		}
	}
}

// BenchmarkSlashCommands measures the whole bot with the fakes: envelope-to-ack latency (p50,
// p99) and commands answered per second, with MDE fast, and acks while MDE takes 2 s a call.
func BenchmarkSlashCommands(b *testing.B) {
	for _, slow := range []bool{false, true} {
		name := "mde=fast"
		if slow {
			name = "mde=2s"
		}
		b.Run(name, func(b *testing.B) {
			s := startStackWith(b, map[string]string{"MDEBOT_LOG_LEVEL": "error"}, oneUserLoad)
			action := s.mde.Fake.Actions()[0].ID
			if slow {
				defer s.mde.Fake.Inject(mdefake.Fault{PathContains: "/api/machineactions/", Latency: 2 * time.Second})()
			}
			const batch = 200
			var acks []time.Duration
			answered, start := 0, time.Now()
			for b.Loop() {
				ids := sendAll(b, s.slack, batch, "action "+action)
				for _, id := range ids {
					a, err := s.slack.Ack(b.Context(), id)
					if err != nil {
						b.Fatal(err)
					}
					acks = append(acks, a.Latency)
				}
				if slow {
					continue // the answers take 2 s each; this run measures acks only
				}
				for _, id := range ids {
					if _, err := s.slack.WaitFor(b.Context(), func(sn *slackfake.Snapshot) bool { return len(answers(sn, id)) > 0 }); err != nil {
						b.Fatal(err)
					}
				}
				answered += batch
			}
			elapsed := time.Since(start)
			slices.Sort(acks)
			b.ReportMetric(float64(acks[len(acks)/2].Microseconds())/1000, "ack-p50-ms")
			b.ReportMetric(float64(acks[len(acks)*99/100].Microseconds())/1000, "ack-p99-ms")
			if answered > 0 {
				b.ReportMetric(float64(answered)/elapsed.Seconds(), "commands/s")
			}
		})
	}
}
