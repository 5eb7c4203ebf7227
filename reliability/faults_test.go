package reliability

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// TestFaults runs three replicas through every fault in turn while alerts keep arriving and
// viewers keep typing commands, then counts: every alert posted exactly once, every approved
// action executed exactly once, every command answered or told to retry.
func TestFaults(t *testing.T) {
	need(t)
	t.Parallel()
	const sc = "faults (3 replicas)"
	const channels = 4
	s := newStack(t, stackOptions{replicas: 3, env: map[string]string{"MDEBOT_ALERT_ROUTES": routes(channels)}})
	alerts := newAlertSource(s, channels)
	cmds := newCommander(s)
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Go(func() { // alerts and commands all along, one of each every half second
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-t.Context().Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
			alerts.add(1)
			verb := []string{"machine " + mdefake.DemoAlice, "alerts limit=5", "hunt DeviceProcessEvents | take 5", "status"}[i%4]
			_, _ = cmds.send(viewer, verb)
		}
	})
	var approved []card
	phase := func(name string, f func()) {
		start := time.Now()
		t.Logf("phase: %s", name)
		f()
		results.add(sc, "phase %-48s %s", name, time.Since(start).Round(100*time.Millisecond))
	}

	phase("kill -9 of the poller leader during a poll", func() { killLeaderDuringPoll(t, s, sc) })
	phase("kill -9 of the replica sending an approved isolation", func() { approved = append(approved, killDuringAction(t, s, sc)) })
	phase("Redis killed and restarted at once", func() {
		s.redis.kill()
		s.redis.start(t)
		waitUntil(t, 30*time.Second, "every replica ready again", s.allReady)
	})
	down := pick(10*time.Second, 30*time.Second)
	phase("Redis down for "+down.String(), func() {
		s.redis.kill()
		waitFor(t, down)
		s.redis.start(t)
		waitUntil(t, 60*time.Second, "every replica ready again", s.allReady)
	})
	window := pick(5*time.Second, 20*time.Second)
	for _, f := range []struct {
		name  string
		fault mdefake.Fault
	}{
		{"MDE and Graph answering 429 with Retry-After", mdefake.Fault{Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second}},
		{"MDE and Graph answering 503", mdefake.Fault{Status: http.StatusServiceUnavailable}},
		{"MDE and Graph answering after 10 s", mdefake.Fault{Latency: 10 * time.Second}},
	} {
		phase(f.name, func() {
			var removes []func()
			for _, p := range []string{"/api/", "/security/"} {
				ft := f.fault
				ft.PathContains = p
				removes = append(removes, s.mde.Inject(ft))
			}
			waitFor(t, window)
			for _, r := range removes {
				r()
			}
		})
	}
	phase("Slack socket dropped every 3 s", func() {
		for end := time.Now().Add(window + 4*time.Second); time.Now().Before(end); {
			_ = s.slack.DropSocket()
			waitFor(t, 3*time.Second)
		}
		s.waitSlack("every replica reconnected", 60*time.Second, func(sn *slackfake.Snapshot) bool { return sn.Live >= s.alive() })
	})
	phase("Slack 429 on every other post", func() {
		s.flaky.limit(true)
		c := s.request("isolate " + mdefake.DemoBob + " beacon seen during the Slack throttling")
		s.click(approver, c, "mde_approve")
		approved = append(approved, c)
		waitFor(t, window)
		results.add(sc, "Slack posts answered 429 by the proxy: %d", s.flaky.limit(false))
	})
	close(stop)
	bg.Wait()

	ac := s.waitAlerts(alerts.wanted(), 3*time.Minute)
	results.add(sc, "%s", ac)
	cc := cmds.wait(2 * time.Minute)
	results.add(sc, "%s", cc)
	twice, never := 0, 0
	for _, c := range approved {
		eventually(t, 90*time.Second, func() bool { return s.executed(c.id) > 0 })
		switch n := s.executed(c.id); {
		case n == 0:
			never++
		case n > 1:
			twice++
		}
	}
	results.add(sc, "approved actions %d: executed once %d, executed twice %d, never %d", len(approved), len(approved)-twice-never, twice, never)
	s.reportRates(sc)
	s.checkSecrets(sc)
	if ac.lost > 0 || ac.duplicated > 0 {
		t.Errorf("%s", ac)
	}
	if cc.unanswered > 0 {
		t.Errorf("%s", cc)
	}
	if twice > 0 || never > 0 {
		t.Errorf("approved actions: %d executed twice, %d never", twice, never)
	}
}

// killLeaderDuringPoll slows the alert list, kills -9 the leader once its poll has reached MDE,
// and measures how long until another replica leads.
func killLeaderDuringPoll(t *testing.T, s *stack, sc string) {
	var leader *botProc
	waitUntil(t, 60*time.Second, "a poller leader", func() bool { leader = s.leader(); return leader != nil })
	before := s.mde.RequestCount("/api/alerts")
	remove := s.mde.Inject(mdefake.Fault{Method: http.MethodGet, PathContains: "/api/alerts", Latency: 4 * time.Second})
	waitUntil(t, 30*time.Second, "a poll reaching MDE", func() bool { return s.mde.RequestCount("/api/alerts") > before })
	killed := time.Now()
	leader.kill9()
	remove()
	var next *botProc
	waitUntil(t, 90*time.Second, "a new poller leader", func() bool { next = s.leader(); return next != nil })
	results.add(sc, "leader %s killed during a poll; %s leads after %s", leader.name, next.name, time.Since(killed).Round(100*time.Millisecond))
	s.addBot(leader.name + "-again")
}

// killDuringAction slows MDE's isolate, approves an isolation, and kills -9 the replica sending
// it once MDE has the request; it returns the card, to count its executions at the end.
func killDuringAction(t *testing.T, s *stack, sc string) card {
	c := s.request("isolate " + mdefake.DemoAlice + " beacon to a known C2")
	approvedOn := map[*botProc]float64{}
	for _, b := range s.liveBots() {
		approvedOn[b] = b.metric("mdebot_approvals_total", `state="approved"`)
	}
	remove := s.mde.Inject(mdefake.Fault{Method: http.MethodPost, PathContains: "/isolate", Latency: 5 * time.Second, Times: 1})
	defer remove()
	clicked := time.Now()
	s.click(approver, c, "mde_approve")
	waitUntil(t, 30*time.Second, "the isolation reaching MDE", func() bool { return s.mde.RequestCount("/isolate") > 0 })
	var sender *botProc
	for b, n := range approvedOn {
		if b.metric("mdebot_approvals_total", `state="approved"`) > n {
			sender = b
		}
	}
	if sender == nil {
		t.Fatalf("no replica counted the approval of %s", c.id)
	}
	sender.kill9()
	killed := time.Now()
	shown := "never"
	ctx, cancel := contextWithTimeout(t, 60*time.Second)
	defer cancel()
	if _, err := s.slack.WaitFor(ctx, func(sn *slackfake.Snapshot) bool {
		m, _ := sn.Message(cardChan, c.ts)
		return strings.Contains(string(m.Blocks), "Defender action") && s.executed(c.id) > 0
	}); err == nil {
		shown = time.Since(killed).Round(100 * time.Millisecond).String()
	}
	results.add(sc, "replica %s killed while sending %s (%s after the click); isolations in MDE %d, on the card after %s",
		sender.name, c.id, killed.Sub(clicked).Round(100*time.Millisecond), s.executed(c.id), shown)
	s.addBot(sender.name + "-again")
	return c
}

// liveBots returns the replicas still running.
func (s *stack) liveBots() []*botProc {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*botProc
	for _, b := range s.bots {
		if b.alive() {
			out = append(out, b)
		}
	}
	return out
}

func (s *stack) alive() int { return len(s.liveBots()) }

// allReady reports whether every live replica answers /readyz with 200.
func (s *stack) allReady() bool {
	for _, b := range s.liveBots() {
		if b.get("/readyz") != http.StatusOK {
			return false
		}
	}
	return true
}

// waitFor lets a fault last d: the duration of an outage is what is being tested, not a
// synchronisation.
func waitFor(t *testing.T, d time.Duration) {
	select {
	case <-t.Context().Done():
	case <-time.After(d):
	}
}

// eventually polls cond until it holds or d passes, and reports whether it held.
func eventually(t *testing.T, d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) || t.Context().Err() != nil {
			return false
		}
		waitFor(t, 100*time.Millisecond)
	}
	return true
}
