package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/bot/socket"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/store/storetest"
	"github.com/sethvargo/go-envconfig"
)

// Slack Web API calls that never answer give up after the call timeout, so sixteen of them (here
// chat.postMessage of approval cards) cannot take every worker for good: `help` is answered.
func TestHungSlackCallsDoNotStarveWorkers(t *testing.T) {
	t.Parallel()
	sf := slackfake.New(t, slackfake.Options{})
	target, _ := url.Parse(sf.URL())
	rp := httputil.NewSingleHostReverseProxy(target)
	release := make(chan struct{})
	hungCh := make(chan struct{}, 100)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/chat.postMessage" {
			hungCh <- struct{}{}
			<-release // Slack accepted the connection and never answers
			return
		}
		rp.ServeHTTP(w, r)
	}))
	// 16 requests of one responder hold 16 interactive workers: the per-user limits are lifted
	// and the lane widened so that the scenario stays "every one of 16 workers hung".
	s := startApprovalsWithSlack(t, sf, apOptions{env: map[string]string{"MDEBOT_SLACK_API_URL": proxy.URL + "/api/"},
		socket: socket.Options{Interactive: socket.LaneOptions{Workers: 16, PerUser: -1}, UserRate: -1}})
	t.Cleanup(proxy.Close)
	t.Cleanup(func() { close(release) }) // runs before the stack's cleanup

	for i := range 16 {
		if _, err := s.slack.SlashCommand(t.Context(), slackfake.SlashCommand{UserID: resp, ChannelID: "C0SOC",
			Text: fmt.Sprintf("isolate laptop-bob.contoso.com reason %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for range 16 {
		select {
		case <-hungCh:
		case <-t.Context().Done():
			t.Fatal("the card posts never reached Slack")
		}
	}
	env, err := s.slack.SlashCommand(t.Context(), slackfake.SlashCommand{UserID: watcher, ChannelID: "C0SOC", Text: "help"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := s.slack.WaitFor(ctx, func(sn *slackfake.Snapshot) bool { return len(answers(sn, env.ID)) > 0 }); err != nil {
		t.Errorf("`help` got no answer within 5 s: 16 Slack calls that never return hold every worker")
	}
}

// startApprovalsWithSlack is startApprovals over a Slack fake the test made (one replica).
func startApprovalsWithSlack(t testing.TB, sf *slackfake.Fake, o apOptions) *apStack {
	t.Helper()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	s := &apStack{slack: sf, mde: env, clock: &fakeClock{t: env.Fake.Now()}, logs: newSyncBuffer()}
	vars := baseEnv(sf, env, "127.0.0.1:0")
	vars["MDEBOT_RESPONDERS"] = resp + "," + boss
	vars["MDEBOT_APPROVERS"] = lead + "," + lead2 + "," + boss
	vars["MDEBOT_VIEWERS"] = watcher
	for k, v := range o.env {
		vars[k] = v
	}
	cfg, err := LoadConfig(t.Context(), envconfig.MapLookuper(vars))
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(t.Context(), cfg, newLogger(cfg, s.logs), seams{transport: env.Fake.HTTPClient(), limits: defender.Unlimited(), slackTimeout: time.Second,
		approvals: approvalSeams{now: s.clock.Now, sweepEvery: -1, redis: storetest.Servers(t)[0].Client}, socket: o.socket})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		a.close()
	})
	s.apps = append(s.apps, a)
	s.wait(t, "the replica connected", func(sn *slackfake.Snapshot) bool { return sn.Live == 1 })
	return s
}
