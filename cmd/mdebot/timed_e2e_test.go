package main

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// advance moves the workflow's clock and the MDE fake's together.
func (s *apStack) advance(d time.Duration) {
	s.clock.Advance(d)
	s.mde.Fake.Advance(d)
}

// sweepOn runs one sweep on each of the given replicas at once.
func (s *apStack) sweepOn(t *testing.T, apps ...*app) {
	t.Helper()
	var wg sync.WaitGroup
	for _, a := range apps {
		wg.Go(func() {
			if err := a.appr.cards.Sweep(t.Context()); err != nil {
				t.Errorf("sweep: %v", err)
			}
		})
	}
	wg.Wait()
}

// threadHas reports whether a reply under the card contains want.
func threadHas(sn *slackfake.Snapshot, c card, want string) bool {
	for _, m := range sn.Messages {
		if m.Channel == cardChan && m.ThreadTS == c.ts && (strings.Contains(m.Text, want) || strings.Contains(string(m.Blocks), want)) {
			return true
		}
	}
	return false
}

// Three replicas share Redis; an isolation for 30 minutes is approved on one of them, which is
// then killed. The other two sweep at the same moments: the reminder comes once 15 minutes
// before, the release exactly once at the end (never a second early), shown on the card; the
// reminder's Extend 4h, clicked before, moves the end once through an approved extension.
func TestTimedIsolationEndToEnd(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			s := startApprovals(t, apOptions{replicas: 3, redis: srv.Client, prefix: srv.Prefix})
			st := store.New(srv.Client, srv.Prefix)
			c := s.request(t, resp, "isolate laptop-alice.contoso.com for 30m beaconing to 203.0.113.7")
			if !strings.Contains(s.cardText(c), "Time-boxed") {
				t.Fatalf("the card does not say the isolation is time-boxed: %s", s.cardText(c))
			}
			s.click(t, lead, c, "mde_approve", c.id)
			s.waitCard(t, c, "Isolated until")
			rec, err := st.Approval(t.Context(), c.id)
			if err != nil || rec.Contain.State != store.ReleaseScheduled {
				t.Fatalf("after the run: %+v %v", rec.Contain, err)
			}
			// Kill the replica that ran it.
			var live []*app
			for i, a := range s.apps {
				if a.appr.flow.Owner() == rec.Executor {
					s.stops[i]()
				} else {
					live = append(live, a)
				}
			}
			if len(live) != 2 {
				t.Fatalf("executor %q not among the replicas", rec.Executor)
			}
			s.advance(15 * time.Minute)
			s.sweepOn(t, live...)
			s.wait(t, "the reminder", func(sn *slackfake.Snapshot) bool { return threadHas(sn, c, "mde_extend") })
			s.sweepOn(t, live...)
			reminders := 0
			for _, m := range s.slack.Snapshot().Messages {
				if m.ThreadTS == c.ts && strings.Contains(string(m.Blocks), "mde_extend") {
					reminders++
				}
			}
			if reminders != 1 {
				t.Errorf("%d reminders, want 1", reminders)
			}
			s.advance(15*time.Minute - time.Second)
			s.sweepOn(t, live...)
			if n := len(s.actionPosts("/unisolate")); n != 0 {
				t.Fatalf("%d releases a second before the end", n)
			}
			s.advance(time.Second)
			s.sweepOn(t, live...)
			s.sweepOn(t, live...)
			s.waitCard(t, c, "Released on time")
			if n := len(s.actionPosts("/unisolate")); n != 1 {
				t.Errorf("%d releases sent, want 1", n)
			}
			if !threadHas(s.slack.Snapshot(), c, "Released on time") {
				t.Error("no thread reply about the release")
			}
		})
	}
}

// The reminder's Extend 4h runs `extend` as the clicker: with isolate needing an approval, it
// makes a request; once approved the end moves by 4 hours, once.
func TestReminderExtend(t *testing.T) {
	t.Parallel()
	s := startApprovals(t, apOptions{})
	c := s.request(t, resp, "isolate laptop-bob.contoso.com for 20m lateral movement")
	s.click(t, lead, c, "mde_approve", c.id)
	s.waitCard(t, c, "Isolated until")
	s.advance(5 * time.Minute)
	s.sweep(t)
	s.wait(t, "the reminder", func(sn *slackfake.Snapshot) bool { return threadHas(sn, c, "mde_extend") })
	var reminder slackfake.Message
	for _, m := range s.slack.Snapshot().Messages {
		if m.ThreadTS == c.ts && strings.Contains(string(m.Blocks), "mde_extend") {
			reminder = m
		}
	}
	env, err := s.slack.BlockAction(t.Context(), slackfake.BlockAction{UserID: resp, ChannelID: cardChan, MessageTS: reminder.TS, ActionID: "mde_extend", Value: c.id})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.answer(t, env); !strings.Contains(got, "extend") {
		t.Fatalf("Extend answered %q", got)
	}
	ext := s.wait(t, "the extension's card", func(sn *slackfake.Snapshot) bool {
		for _, m := range sn.Messages {
			if m.Channel == cardChan && m.ThreadTS == "" && strings.Contains(string(m.Blocks), "extend") && !strings.Contains(string(m.Blocks), c.id+"`*") {
				return true
			}
		}
		return false
	})
	var extCard card
	for _, m := range ext.Messages {
		if m.Channel == cardChan && m.ThreadTS == "" && m.TS != c.ts {
			extCard = card{id: requestID.FindString(string(m.Blocks)), ts: m.TS}
		}
	}
	s.click(t, lead, extCard, "mde_approve", extCard.id)
	s.waitThread(t, c, "now ends at")
	s.click(t, lead2, extCard, "mde_approve", extCard.id)
	s.advance(20 * time.Minute)
	s.sweep(t)
	if n := len(s.actionPosts("/unisolate")); n != 0 {
		t.Errorf("released at the old end: %d", n)
	}
	s.advance(4 * time.Hour)
	s.sweep(t)
	s.waitCard(t, c, "Released on time")
	if n := len(s.actionPosts("/unisolate")); n != 1 {
		t.Errorf("%d releases, want 1", n)
	}
}
