package alerts

import (
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/mdebot/mdebot/store/storetest"
)

// A Slack refusal that an operator fixes without the alert changing (the bot removed from the
// channel, a revoked or rotated token) loses no alert: the claim is given back, the watermark
// stays before the alert, the status check reports the refusal, and the alert is posted once
// the bot is back in the channel.
func TestAlertKeptWhileSlackRefusesChannel(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"not_in_channel", "invalid_auth", "token_revoked"} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			e := newAlertEnv(t, storetest.Servers(t)[0])
			p, st := e.newPoller(pollerCfg{})
			id := e.addAlert("High", "Ransomware "+code, 0)
			other := e.addAlert("Medium", "Second alert "+code, 0)

			// Someone removes the bot from the alert channel (or its token is rotated) for one poll.
			e.slack.FailMethod("chat.postMessage", code, -1)
			_ = pollOnce(t, p, st)
			e.slack.FailMethod("chat.postMessage", "", 0)
			if n := e.slack.Snapshot().Calls("chat.postMessage"); n != 1 {
				t.Errorf("%d posts tried in a channel Slack refused; want 1 (the rest wait)", n)
			}
			if wm, err := st.AlertWatermark(t.Context(), PollerName); err != nil || wm.After(mustAlert(t, e, id).LastUpdateTime.Time) {
				t.Errorf("watermark %v (%v) passed the refused alert", wm, err)
			}
			last, _, err := st.PollStatus(t.Context(), PollerName)
			if err != nil || last.Held != 2 || last.Failed != 0 || last.Refused != socChannel+" "+code {
				t.Errorf("poll status %+v, %v", last, err)
			}
			if _, err := p.Probe().Check(t.Context()); err == nil || !strings.Contains(err.Error(), code) {
				t.Errorf("the status check does not report the refusal: %v", err)
			}

			// The operator fixes it; the next polls should post the High alert.
			mustPoll(t, p, st)
			mustPoll(t, p, st)
			cards, lines := countAlerts(e.slack.Snapshot())
			if cards[socChannel][id]+lines[socChannel][id] == 0 {
				t.Errorf("High alert %s was never posted after Slack answered %q once: it is lost", id, code)
			}
			assertOnce(t, e.slack.Snapshot(), socChannel, []string{id, other})
			if _, err := p.Probe().Check(t.Context()); err != nil {
				t.Errorf("the status check still fails once fixed: %v", err)
			}
		})
	}
}

// A message Slack refuses for what it holds is posted as a plain fallback that names the alert;
// only when the fallback is refused too does the alert count as refused, and a later change
// of the alert tries again.
func TestAlertContentRefusalPostsFallback(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, storetest.Servers(t)[0])
	p, st := e.newPoller(pollerCfg{})
	id := e.addAlert("High", "Too long for Slack", 0)
	e.slack.FailMethod("chat.postMessage", "msg_too_long", 1)
	mustPoll(t, p, st)
	snap := e.slack.Snapshot()
	assertOnce(t, snap, socChannel, []string{id})
	if card := alertCardOf(t, snap, socChannel, id); card.Blocks != nil || !strings.Contains(card.Text, id) {
		t.Errorf("fallback: blocks %s, text %q", card.Blocks, card.Text)
	}

	worse := e.addAlert("High", "Refused even plain", 0)
	e.slack.FailMethod("chat.postMessage", "invalid_blocks", 2)
	mustPoll(t, p, st)
	last, _, err := st.PollStatus(t.Context(), PollerName)
	if err != nil || last.Failed != 1 || last.Refused != "" {
		t.Errorf("poll status %+v, %v", last, err)
	}
	mustPoll(t, p, st)
	e.mde.Fake.Advance(time.Minute)
	if err := e.mde.Fake.UpdateAlert(worse, func(a *mdefake.Alert) { a.Status = "InProgress" }); err != nil {
		t.Fatal(err)
	}
	mustPoll(t, p, st)
	assertOnce(t, e.slack.Snapshot(), socChannel, []string{id, worse})
}
