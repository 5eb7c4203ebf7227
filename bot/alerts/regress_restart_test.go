package alerts

import (
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/mdebot/mdebot/store/storetest"
)

// With the default configuration (no REDIS_URL, embedded store) a restart loses the watermark
// and every record; the first poll after it reads the channel's messages back (their metadata
// names their alerts) and records what the channel already shows instead of posting it again:
// cards, cards in incident threads, and the alerts of a storm digest. A change made meanwhile
// edits the message found, and a new alert of a known incident joins its thread.
func TestAlertEmbeddedStoreRestartPostsNothingTwice(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, storetest.Servers(t)[0])
	ids := []string{e.addAlert("High", "Mimikatz", 0), e.addAlert("Medium", "Suspicious PowerShell", 0),
		e.addAlert("Low", "Incident start", 42), e.addAlert("Medium", "Incident follow-up", 42)}
	p, st := e.newPoller(pollerCfg{})
	mustPoll(t, p, st)
	assertOnce(t, e.slack.Snapshot(), socChannel, ids)

	// The process restarts: a new embedded store, a new poller.
	e.srv = storetest.Servers(t)[0]
	p2, st2 := e.newPoller(pollerCfg{})
	mustPoll(t, p2, st2)
	assertOnce(t, e.slack.Snapshot(), socChannel, ids)

	// Restarted again while one alert changed and another joined the incident.
	e.mde.Fake.Advance(time.Minute)
	if err := e.mde.Fake.UpdateAlert(ids[0], func(a *mdefake.Alert) { a.Status = "InProgress" }); err != nil {
		t.Fatal(err)
	}
	joined := e.addAlert("Low", "Incident third step", 42)
	e.srv = storetest.Servers(t)[0]
	p3, st3 := e.newPoller(pollerCfg{})
	mustPoll(t, p3, st3)
	mustPoll(t, p3, st3)
	snap := e.slack.Snapshot()
	assertOnce(t, snap, socChannel, append(ids, joined))
	if c := alertCardOf(t, snap, socChannel, ids[0]); len(c.History) != 2 || !strings.Contains(string(c.Blocks), "InProgress") {
		t.Errorf("the change made while down did not edit the card found: %d versions", len(c.History))
	}
	if parent, c := alertCardOf(t, snap, socChannel, ids[2]), alertCardOf(t, snap, socChannel, joined); c.ThreadTS != parent.TS {
		t.Errorf("a new alert of incident 42 went to thread %q, not its thread %s", c.ThreadTS, parent.TS)
	}
}

// The first poll after a restart finds the alerts of a storm digest in its thread.
func TestAlertEmbeddedStoreRestartFindsDigest(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, storetest.Servers(t)[0])
	var ids []string
	for i := range 8 {
		ids = append(ids, e.addAlert("Medium", "storm "+string(rune('a'+i)), 0))
	}
	p, st := e.newPoller(pollerCfg{opts: Options{StormThreshold: 3}})
	mustPoll(t, p, st)
	assertOnce(t, e.slack.Snapshot(), socChannel, ids)
	posts := e.slack.Snapshot().Calls("chat.postMessage")
	e.srv = storetest.Servers(t)[0]
	p2, st2 := e.newPoller(pollerCfg{opts: Options{StormThreshold: 3}})
	mustPoll(t, p2, st2)
	if n := e.slack.Snapshot().Calls("chat.postMessage"); n != posts {
		t.Errorf("%d messages posted after the restart", n-posts)
	}
}

// A first start that cannot read the channel for good (the history scope missing) still posts
// the alerts: a possible repeat of what an earlier store posted is better than never posting.
// One it could not read for now (Slack down) waits for the next poll.
func TestAlertFirstStartWithoutHistory(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, storetest.Servers(t)[0])
	id := e.addAlert("High", "Mimikatz", 0)
	p, st := e.newPoller(pollerCfg{})
	e.slack.FailMethod("conversations.history", "internal_error", 1)
	mustPoll(t, p, st)
	if n := e.slack.Snapshot().Calls("chat.postMessage"); n != 0 {
		t.Fatalf("%d posts while the channel could not be read", n)
	}
	e.slack.FailMethod("conversations.history", "missing_scope", -1)
	mustPoll(t, p, st)
	assertOnce(t, e.slack.Snapshot(), socChannel, []string{id})
}
