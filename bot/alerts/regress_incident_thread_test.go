package alerts

import (
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/store/storetest"
)

// A new alert that joins an incident whose thread began with a less severe alert (here a Low
// one), or a High one, is posted in the thread with reply_broadcast, so that the channel shows
// it too: the most severe alert of an incident is never hidden in a thread. An alert no more
// severe than the thread's first stays in the thread only.
func TestAlertSevereIncidentReplyShownInChannel(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, storetest.Servers(t)[0])
	p, st := e.newPoller(pollerCfg{})
	low := e.addAlert("Low", "Suspicious PowerShell command line", 42)
	mustPoll(t, p, st)
	high := e.addAlert("High", "Ransomware behavior detected", 42)
	quiet := e.addAlert("Low", "Another suspicious command line", 42)
	mustPoll(t, p, st)
	snap := e.slack.Snapshot()
	parent := alertCardOf(t, snap, socChannel, low)
	card := func(id string) slackfake.Message {
		for _, m := range snap.Messages {
			if kind, md := msgMeta(m); kind == kindCard && md["alert_id"] == id {
				return m
			}
		}
		t.Fatalf("alert %s was not posted at all", id)
		return slackfake.Message{}
	}
	if m := card(high); m.ThreadTS != "" && !m.Broadcast {
		t.Errorf("High alert %s was posted only inside the thread of an older Low alert (thread %s), not in the channel", high, m.ThreadTS)
	} else if m.ThreadTS != parent.TS {
		t.Errorf("High alert %s is not in its incident's thread %s (thread %q)", high, parent.TS, m.ThreadTS)
	}
	if m := card(quiet); m.ThreadTS != parent.TS || m.Broadcast {
		t.Errorf("a Low alert joining a Low incident: thread %q broadcast %v, want thread %s only", m.ThreadTS, m.Broadcast, parent.TS)
	}
	assertOnce(t, snap, socChannel, []string{low, high, quiet})
}
