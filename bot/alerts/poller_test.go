package alerts

import (
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

func mustRoutes(t *testing.T, spec string) commands.Routes {
	t.Helper()
	r, err := commands.ParseRoutes(spec)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// alertCardOf returns the message that is alert id's card in channel.
func alertCardOf(t *testing.T, snap *slackfake.Snapshot, channel, id string) slackfake.Message {
	t.Helper()
	for _, m := range snap.Messages {
		if kind, p := msgMeta(m); kind == kindCard && m.Channel == channel && p["alert_id"] == id {
			return m
		}
	}
	t.Fatalf("no card of %s in %s", id, channel)
	return slackfake.Message{}
}

// A new alert appears once, in the channel its route names; a visible change edits it and says
// so in its thread; an invisible one makes no noise; alerts of one incident share a thread.
func TestAlertPostedOnceRoutedAndEdited(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			e := newAlertEnv(t, srv)
			p, st := e.newPoller(pollerCfg{opts: Options{Routes: mustRoutes(t, "severity>=High -> C0HIGH")}})
			high := e.addAlert("High", "Mimikatz", 0)
			low := e.addAlert("Low", "Adware", 0)
			e.addAlert("Informational", "Below the minimum", 0)
			first := e.addAlert("Medium", "Incident step 1", 77)
			second := e.addAlert("Medium", "Incident step 2", 77)
			mustPoll(t, p, st)
			snap := e.slack.Snapshot()
			assertOnce(t, snap, highChannel, []string{high})
			assertOnce(t, snap, socChannel, []string{low, first, second})
			parent := alertCardOf(t, snap, socChannel, first)
			if reply := alertCardOf(t, snap, socChannel, second); reply.ThreadTS != parent.TS || parent.ThreadTS != "" {
				t.Errorf("incident alerts: parent thread %q ts %q, second in thread %q", parent.ThreadTS, parent.TS, reply.ThreadTS)
			}
			calls := snap.Calls("chat.postMessage") + snap.Calls("chat.update")

			mustPoll(t, p, st)
			if snap := e.slack.Snapshot(); snap.Calls("chat.postMessage")+snap.Calls("chat.update") != calls {
				t.Fatalf("a poll without changes called Slack")
			}

			if err := e.mde.Fake.UpdateAlert(high, func(a *mdefake.Alert) { a.Status, a.AssignedTo = "InProgress", "alice@contoso.com" }); err != nil {
				t.Fatal(err)
			}
			mustPoll(t, p, st)
			snap = e.slack.Snapshot()
			card := alertCardOf(t, snap, highChannel, high)
			if n := len(card.History); n != 2 || card.History[1].Via != "chat.update" || !strings.Contains(string(card.Blocks), "InProgress") {
				t.Fatalf("card after a status change: %d versions, blocks %s", n, card.Blocks)
			}
			var replies []string
			for _, m := range snap.Messages {
				if kind, _ := msgMeta(m); kind == kindChange && m.ThreadTS == card.TS {
					replies = append(replies, string(m.Blocks))
				}
			}
			if len(replies) != 1 || !strings.Contains(replies[0], "New → InProgress") || !strings.Contains(replies[0], "alice@contoso.com") {
				t.Fatalf("change replies: %q", replies)
			}
			assertOnce(t, snap, highChannel, []string{high})

			calls = snap.Calls("chat.postMessage") + snap.Calls("chat.update")
			if err := e.mde.Fake.UpdateAlert(high, func(a *mdefake.Alert) { a.Description = "more detail" }); err != nil {
				t.Fatal(err)
			}
			mustPoll(t, p, st)
			if snap := e.slack.Snapshot(); snap.Calls("chat.postMessage")+snap.Calls("chat.update") != calls {
				t.Fatalf("an invisible change made noise")
			}
			last, _, err := st.PollStatus(t.Context(), PollerName)
			if err != nil || last.Seen != 5 || last.Error != "" {
				t.Fatalf("poll status %+v, %v", last, err)
			}
		})
	}
}

// A restart with the same Redis posts nothing twice and misses nothing created while the bot
// was down.
func TestAlertRestartPostsNothingTwice(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			e := newAlertEnv(t, srv)
			var ids []string
			for i := range 3 {
				ids = append(ids, e.addAlert("Medium", "before "+string(rune('a'+i)), 0))
			}
			p1, st1 := e.newPoller(pollerCfg{})
			mustPoll(t, p1, st1)
			// The bot is down: alerts come and change.
			e.mde.Fake.Advance(time.Minute)
			for i := range 4 {
				ids = append(ids, e.addAlert("High", "during "+string(rune('a'+i)), 0))
			}
			if err := e.mde.Fake.UpdateAlert(ids[0], func(a *mdefake.Alert) { a.Status = "Resolved" }); err != nil {
				t.Fatal(err)
			}
			e.mde.Fake.Advance(time.Minute)
			p2, st2 := e.newPoller(pollerCfg{opts: Options{Lookback: time.Minute}})
			mustPoll(t, p2, st2)
			mustPoll(t, p2, st2)
			snap := e.slack.Snapshot()
			assertOnce(t, snap, socChannel, ids)
			if c := alertCardOf(t, snap, socChannel, ids[0]); len(c.History) != 2 || !strings.Contains(string(c.Blocks), "Resolved") {
				t.Errorf("the change made while down did not edit the card: %d versions", len(c.History))
			}
		})
	}
}

// Muted alerts are not posted but are counted, once per version; mutes match machines, titles
// and files.
func TestAlertMutes(t *testing.T) {
	t.Parallel()
	srv := storetest.Servers(t)[0]
	e := newAlertEnv(t, srv)
	other := e.mde.Fake.AddMachine(mdefake.Machine{ComputerDNSName: "laptop02.contoso.com"})
	p, st := e.newPoller(pollerCfg{})
	now := time.Now()
	add := func(kind, value string) store.Mute {
		m, err := st.AddMute(t.Context(), store.Mute{Kind: kind, Value: value, Reason: "test", Creator: "U1", Until: now.Add(time.Hour)}, now)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	byMachine := add(store.MuteMachine, e.dev.ID)
	byTitle := add(store.MuteTitle, commands.NormalizeTitle("Known  NOISY alert"))
	bySHA := add(store.MuteSHA1, mdefake.FakeSHA1("dropper"))
	e.addAlert("High", "on the muted device", 0)
	e.addAlert("High", "another on it", 0)
	kept := e.mde.Fake.AddAlert(mdefake.Alert{Severity: "High", Title: "posted", MachineID: other.ID}).ID
	e.mde.Fake.AddAlert(mdefake.Alert{Severity: "High", Title: "known noisy ALERT", MachineID: other.ID})
	e.mde.Fake.AddAlert(mdefake.Alert{Severity: "High", Title: "file", MachineID: other.ID,
		Evidence: []mdefake.Evidence{{EntityType: "File", SHA1: strings.ToUpper(mdefake.FakeSHA1("dropper"))}}})
	mustPoll(t, p, st)
	mustPoll(t, p, st)
	assertOnce(t, e.slack.Snapshot(), socChannel, []string{kept})
	mutes, err := st.Mutes(t.Context(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hits := map[string]int64{}
	for _, m := range mutes {
		hits[m.ID] = m.Hits
	}
	if hits[byMachine.ID] != 2 || hits[byTitle.ID] != 1 || hits[bySHA.ID] != 1 {
		t.Errorf("hits: machine %d, title %d, sha1 %d", hits[byMachine.ID], hits[byTitle.ID], hits[bySHA.ID])
	}
	last, _, _ := st.PollStatus(t.Context(), PollerName)
	if last.Muted != 4 {
		t.Errorf("muted in the last poll: %d", last.Muted)
	}
}

// Routing on machine tags looks devices up in MDE once, in batches, and then from a cache.
func TestAlertRoutesOnTags(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, storetest.Servers(t)[0])
	p, st := e.newPoller(pollerCfg{opts: Options{Routes: mustRoutes(t, "tag=PCI -> C0PCI")}})
	plain := e.mde.Fake.AddMachine(mdefake.Machine{ComputerDNSName: "laptop02.contoso.com"})
	pci := e.addAlert("Medium", "pci device", 0)
	other := e.mde.Fake.AddAlert(mdefake.Alert{Severity: "Medium", Title: "plain device", MachineID: plain.ID}).ID
	mustPoll(t, p, st)
	snap := e.slack.Snapshot()
	assertOnce(t, snap, "C0PCI", []string{pci})
	assertOnce(t, snap, socChannel, []string{other})
	before := e.mde.Fake.RequestCount("/api/machines")
	e.addAlert("High", "pci again", 0)
	mustPoll(t, p, st)
	if n := e.mde.Fake.RequestCount("/api/machines") - before; n != 0 {
		t.Errorf("%d machine look-ups for cached devices", n)
	}
}

// The status probe tells who leads and what the last poll did.
func TestAlertStatusProbe(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, storetest.Servers(t)[0])
	p, st := e.newPoller(pollerCfg{})
	if _, err := p.Probe().Check(t.Context()); err == nil {
		t.Error("no error before any poll")
	}
	e.addAlert("High", "one", 0)
	l, err := st.ObtainLeader(t.Context(), PollerName, p.Owner(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.PollOnce(t.Context(), l); err != nil {
		t.Fatal(err)
	}
	detail, err := p.Probe().Check(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"leader " + p.Owner() + " (here)", "1 read, 1 posted", "MDE calls 1"} {
		if !strings.Contains(detail, want) {
			t.Errorf("status %q lacks %q", detail, want)
		}
	}
	if len(detail) > 300 {
		t.Errorf("status detail of %d characters: %q", len(detail), detail)
	}
}

// The first start looks back only MDEBOT_ALERT_LOOKBACK; alerts sharing one timestamp across
// many pages are all read; the watermark never passes an alert left for the next poll.
func TestAlertWatermark(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			e := newAlertEnv(t, srv)
			f := e.mde.Fake
			start := f.Now()
			f.AddAlert(mdefake.Alert{Severity: "High", Title: "too old", MachineID: e.dev.ID, LastUpdateTime: start.Add(-2 * time.Hour)})
			var same []string
			for i := range 30 {
				same = append(same, e.addAlert("Medium", "same second "+string(rune('a'+i)), 0))
			}
			p, st := e.newPoller(pollerCfg{opts: Options{Lookback: time.Hour, PageSize: 7, StormThreshold: -1, Now: f.Now}})
			before := f.RequestCount("/api/alerts")
			mustPoll(t, p, st)
			if n := f.RequestCount("/api/alerts") - before; n != 5 {
				t.Errorf("%d pages for 30 alerts of 7 a page", n)
			}
			assertOnce(t, e.slack.Snapshot(), socChannel, same)

			// Another poller holds a live claim on the middle alert: it is left, and the
			// watermark stays at it.
			f.Advance(time.Minute)
			a1 := e.addAlert("Low", "first", 0)
			f.Advance(time.Minute)
			a2 := e.addAlert("Low", "busy elsewhere", 0)
			busyAt := f.Now()
			f.Advance(time.Minute)
			a3 := e.addAlert("Low", "third", 0)
			other := store.ClaimOptions{Owner: "other", Now: time.Now(), Lease: time.Hour, Retention: time.Hour}
			a2d := visibleOf(mustAlert(t, e, a2)).digest()
			if _, err := st.ClaimAlerts(t.Context(), other, []store.AlertClaim{{Key: store.AlertKey{Channel: socChannel, AlertID: a2}, Digest: a2d}}); err != nil {
				t.Fatal(err)
			}
			mustPoll(t, p, st)
			if wm, _ := st.AlertWatermark(t.Context(), PollerName); !wm.Equal(busyAt) {
				t.Errorf("watermark %v, want the busy alert's %v", wm, busyAt)
			}
			w := st.AlertWrites("other", time.Hour)
			w.Release(store.AlertKey{Channel: socChannel, AlertID: a2})
			if _, err := w.Exec(t.Context()); err != nil {
				t.Fatal(err)
			}
			mustPoll(t, p, st)
			assertOnce(t, e.slack.Snapshot(), socChannel, append(same, a1, a2, a3))
			if wm, _ := st.AlertWatermark(t.Context(), PollerName); !wm.Equal(f.Now()) {
				t.Errorf("watermark %v, want the newest alert's %v", wm, f.Now())
			}
		})
	}
}

func mustAlert(t *testing.T, e *alertEnv, id string) defender.Alert {
	t.Helper()
	a, err := e.mde.Client.GetAlert(t.Context(), id, false)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
