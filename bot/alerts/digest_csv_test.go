package alerts

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/bot/slackfake"
)

// A digest of 10,000 alerts lists every one of them exactly once across its thread's messages,
// and once in the CSV attached to its thread; nothing else is listed.
func TestDigestOf10000ListsEveryAlertOnceAndInTheCSV(t *testing.T) {
	t.Parallel()
	for _, srv := range fastServers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			e := newAlertEnv(t, srv)
			ids := e.mde.Fake.AddAlerts(10000)
			// A lock and leases long enough for a slow machine: PollOnce does not renew them.
			p, st := e.newPoller(pollerCfg{opts: Options{MinSeverity: "Informational", LockTTL: 5 * time.Minute}})
			l, err := st.ObtainLeader(t.Context(), PollerName, p.Owner(), 5*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.PollOnce(t.Context(), l); err != nil {
				t.Fatalf("poll: %v", err)
			}
			snap := e.slack.Snapshot()
			assertOnce(t, snap, socChannel, ids)
			var parent string
			pages := 0
			for _, m := range snap.Messages {
				switch kind, _ := msgMeta(m); kind {
				case kindDigest:
					parent = m.TS
				case kindChunk:
					pages++
					if m.ThreadTS != parent || parent == "" {
						t.Errorf("a page is not in the digest's thread")
					}
				}
			}
			if pages > 10000/250 {
				t.Errorf("%d pages for 10,000 alerts: not as dense as Slack allows", pages)
			}
			var file *slackfake.File
			for i, f := range snap.Files {
				if f.Name == render.DigestCSVName {
					if file != nil {
						t.Fatal("more than one CSV")
					}
					file = &snap.Files[i]
				}
			}
			if file == nil || !file.Completed || file.ThreadTS != parent || len(file.Channels) != 1 || file.Channels[0] != socChannel {
				t.Fatalf("the CSV is not shared in the digest's thread: %+v", file)
			}
			rows, err := csv.NewReader(bytes.NewReader(file.Content)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, r := range rows[1:] {
				seen[r[0]]++
			}
			for _, id := range ids {
				if seen[id] != 1 {
					t.Errorf("alert %s is in the CSV %d times", id, seen[id])
				}
			}
			if len(rows)-1 != len(ids) {
				t.Errorf("the CSV has %d rows for %d alerts", len(rows)-1, len(ids))
			}
		})
	}
}
