package main

import (
	"strings"
	"sync"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
	"github.com/redis/go-redis/v9"
)

// Two replicas share one Redis, and Slack spreads the envelopes over their two connections: a
// double click, and two approvers clicking at once, each make exactly one MDE call.
func TestApprovalTwoReplicas(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			s := startApprovals(t, apOptions{replicas: 2, redis: srv.Client, prefix: srv.Prefix})
			for _, tc := range []struct {
				name   string
				text   string
				users  [2]string
				action string
			}{
				{"double click", "isolate laptop-alice.contoso.com beacon", [2]string{lead, lead}, "/isolate"},
				{"two approvers at once", "restrict laptop-bob.contoso.com webshell", [2]string{lead, lead2}, "/restrictCodeExecution"},
			} {
				c := s.request(t, resp, tc.text)
				envs := make([]slackfake.Envelope, 2)
				var wg sync.WaitGroup
				for i, u := range tc.users {
					wg.Go(func() { envs[i] = s.click(t, u, c, "mde_approve", c.id) })
				}
				wg.Wait()
				s.waitCard(t, c, "Defender action")
				// Exactly one of the clicks is refused; the other ran the request.
				refused := 0
				for _, env := range envs {
					snap := s.wait(t, "both clicks acknowledged", func(sn *slackfake.Snapshot) bool { _, ok := sn.Ack(env.ID); return ok })
					for _, p := range answers(snap, env.ID) {
						if strings.Contains(p.Text, "already") {
							refused++
						}
					}
				}
				if n := len(s.actionPosts(tc.action)); n != 1 {
					t.Errorf("%s: %d MDE calls, want 1", tc.name, n)
				}
				if refused > 1 {
					t.Errorf("%s: %d clicks refused", tc.name, refused)
				}
			}
			if sn := s.slack.Snapshot(); sn.Connections < 2 {
				t.Errorf("%d socket connections, want 2", sn.Connections)
			}
		})
	}
}

// With Redis unreachable at click time the click is refused with a clear message and nothing
// runs; when Redis is back the request is still pending, intact, and can be approved.
func TestApprovalRedisDownAtClick(t *testing.T) {
	t.Parallel()
	srv := storetest.Servers(t)[0]
	direct := srv.Client.(*redis.Client)
	proxy := startProxy(t, direct.Options().Addr)
	// A new client through the proxy, with the direct client's password and timeouts (a copy
	// of its Options would share its internal state).
	do := direct.Options()
	rdb := redis.NewClient(&redis.Options{Addr: proxy.Addr(), Password: do.Password, DialTimeout: do.DialTimeout,
		ReadTimeout: do.ReadTimeout, WriteTimeout: do.WriteTimeout, MaxRetries: do.MaxRetries,
		DialerRetries: do.DialerRetries, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	s := startApprovals(t, apOptions{redis: rdb, prefix: srv.Prefix})
	c := s.request(t, resp, "isolate laptop-alice.contoso.com beacon")
	before, err := store.New(direct, srv.Prefix).Approval(t.Context(), c.id)
	if err != nil {
		t.Fatal(err)
	}

	proxy.Pause()
	got := s.answer(t, s.click(t, lead, c, "mde_approve", ""))
	if !strings.Contains(got, "cannot reach its state store (Redis)") || !strings.Contains(got, "Nothing was done") {
		t.Errorf("click with Redis down: %q", got)
	}
	got = s.answer(t, s.click(t, lead2, c, "mde_approve", ""))
	if !strings.Contains(got, "cannot reach its state store") {
		t.Errorf("second click with Redis down: %q", got)
	}
	if n := len(s.actionPosts("/machines/")); n != 0 {
		t.Fatalf("%d MDE actions sent while Redis was down", n)
	}
	proxy.Resume()

	after, err := store.New(rdb, srv.Prefix).Approval(t.Context(), c.id)
	if err != nil {
		t.Fatal(err)
	}
	if after.State != store.ApprovalPending || len(after.Votes) != 0 || !after.Expires.Equal(before.Expires) || string(after.Payload) != string(before.Payload) {
		t.Errorf("after the outage: %+v\nbefore: %+v", after, before)
	}
	s.click(t, lead, c, "mde_approve", "")
	s.waitCard(t, c, "Defender action")
	if n := len(s.actionPosts("/isolate")); n != 1 {
		t.Errorf("%d isolate calls, want 1", n)
	}
}
