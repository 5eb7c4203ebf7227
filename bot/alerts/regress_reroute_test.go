package alerts

import (
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/mdebot/mdebot/store/storetest"
)

// An alert whose change routes it elsewhere keeps its first message up to date: here a Medium
// alert posted to the default channel is raised to High (routed to C0HIGH only) and then
// resolved. The C0SOC message shows it resolved, says it moved to C0HIGH (once, in its thread),
// and keeps no buttons but the portal link, so that the alert is worked in one place.
func TestAlertRerouteKeepsOldMessageCurrent(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			e := newAlertEnv(t, srv)
			p, st := e.newPoller(pollerCfg{opts: Options{Routes: mustRoutes(t, "severity>=High -> C0HIGH"), ActionButtons: true}})
			id := e.addAlert("Medium", "Suspicious PowerShell", 0)
			mustPoll(t, p, st)
			if first := alertCardOf(t, e.slack.Snapshot(), socChannel, id); !strings.Contains(string(first.Blocks), `"alert_assign"`) {
				t.Fatalf("the first message has no buttons: %s", abbreviateBlocks(string(first.Blocks)))
			}

			e.mde.Fake.Advance(time.Minute)
			if err := e.mde.Fake.UpdateAlert(id, func(a *mdefake.Alert) { a.Severity = "High" }); err != nil {
				t.Fatal(err)
			}
			mustPoll(t, p, st)
			e.mde.Fake.Advance(time.Minute)
			if err := e.mde.Fake.UpdateAlert(id, func(a *mdefake.Alert) { a.Status = "Resolved" }); err != nil {
				t.Fatal(err)
			}
			mustPoll(t, p, st)

			snap := e.slack.Snapshot()
			msg := alertCardOf(t, snap, socChannel, id)
			if !strings.Contains(string(msg.Blocks), "Resolved") {
				t.Errorf("the alert's message in %s was never updated after the alert moved to C0HIGH: it still shows %s",
					socChannel, abbreviateBlocks(string(msg.Blocks)))
			}
			if b := string(msg.Blocks); !strings.Contains(b, "Moved to") || !strings.Contains(b, "#"+highChannel) ||
				strings.Contains(b, `"alert_assign"`) || strings.Contains(b, `"alert_resolve"`) || !strings.Contains(b, `"`+render.ActionLink+`"`) {
				t.Errorf("the moved message does not point to %s, or keeps its buttons: %s", highChannel, abbreviateBlocks(b))
			}
			var moves int
			for _, m := range snap.Messages {
				if kind, _ := msgMeta(m); kind == kindChange && m.Channel == socChannel && m.ThreadTS == msg.TS &&
					strings.Contains(string(m.Blocks), "Moved to") {
					moves++
				}
			}
			if moves != 1 {
				t.Errorf("%d thread replies in %s say the alert moved; want 1", moves, socChannel)
			}
			assertOnce(t, snap, socChannel, []string{id})
			assertOnce(t, snap, highChannel, []string{id})
			if c := alertCardOf(t, snap, highChannel, id); !strings.Contains(string(c.Blocks), "Resolved") {
				t.Errorf("the C0HIGH message was not updated")
			}

			// Lowered again, the alert is followed in C0SOC again: its message there gets its
			// buttons back; C0HIGH's is the one that points away now.
			e.mde.Fake.Advance(time.Minute)
			if err := e.mde.Fake.UpdateAlert(id, func(a *mdefake.Alert) { a.Severity, a.Status = "Medium", "InProgress" }); err != nil {
				t.Fatal(err)
			}
			mustPoll(t, p, st)
			snap = e.slack.Snapshot()
			if b := string(alertCardOf(t, snap, socChannel, id).Blocks); !strings.Contains(b, `"alert_assign"`) || strings.Contains(b, "Moved to") {
				t.Errorf("back in %s, the message lacks its buttons: %s", socChannel, abbreviateBlocks(b))
			}
			if b := string(alertCardOf(t, snap, highChannel, id).Blocks); !strings.Contains(b, "Moved to") || !strings.Contains(b, "#"+socChannel) {
				t.Errorf("the %s message does not point back to %s: %s", highChannel, socChannel, abbreviateBlocks(b))
			}
		})
	}
}

// A channel the alert left that refuses the edit (archived when the routes changed) holds
// nothing back: the alert is posted where it goes now, and the watermark passes it.
func TestAlertRerouteFromRefusingChannel(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, storetest.Servers(t)[0])
	p, st := e.newPoller(pollerCfg{opts: Options{Routes: mustRoutes(t, "severity>=High -> C0HIGH")}})
	id := e.addAlert("Medium", "Suspicious PowerShell", 0)
	mustPoll(t, p, st)
	e.mde.Fake.Advance(time.Minute)
	if err := e.mde.Fake.UpdateAlert(id, func(a *mdefake.Alert) { a.Severity = "High" }); err != nil {
		t.Fatal(err)
	}
	e.slack.FailMethod("chat.update", "is_archived", -1)
	mustPoll(t, p, st)
	assertOnce(t, e.slack.Snapshot(), highChannel, []string{id})
	if wm, err := st.AlertWatermark(t.Context(), PollerName); err != nil || wm.Before(mustAlert(t, e, id).LastUpdateTime.Time) {
		t.Errorf("watermark %v (%v) held back by the channel the alert left", wm, err)
	}
	if _, err := p.Probe().Check(t.Context()); err != nil {
		t.Errorf("status: %v", err)
	}
}

func abbreviateBlocks(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
