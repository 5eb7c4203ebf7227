package render

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/store"
)

// The end of a time-boxed containment reads "14:30 UTC (in 3h 12m)" on the card, with who asked,
// and the reminder carries the Extend 4h and Release now buttons with only the request id.
func TestContainLineAndReminder(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 11, 18, 0, 0, time.UTC)
	ap := commands.Approval{ID: "req-aaaabbbb", Requester: "U0ALICE", State: commands.ApprovalDone,
		Request: commands.ActionRequest{Verb: "isolate", MachineName: "laptop-alice.contoso.com", ContainFor: 4 * time.Hour},
		Contain: commands.Containment{Until: time.Date(2026, 11, 20, 14, 30, 0, 0, time.UTC), State: store.ReleaseScheduled}}
	b := &msgBuilder{now: now}
	if got := b.containLine(ap); !strings.Contains(got, "Isolated until 14:30 UTC (in 3h 12m)*, requested by <@U0ALICE>") {
		t.Errorf("line %q", got)
	}
	msg := Reminder(ap, now)
	blocks := string(mustJSON(t, msg.Blocks))
	for _, want := range []string{`"action_id":"mde_extend"`, `"action_id":"mde_release_now"`, `"value":"req-aaaabbbb"`, "Extend 4h", "Release now"} {
		if !strings.Contains(blocks, want) {
			t.Errorf("reminder lacks %s: %s", want, blocks)
		}
	}
	ap.Request.Verb, ap.Contain.State, ap.Contain.By, ap.Contain.Reason = "restrict", store.ReleaseCancelled, "U0LEAD", "*keep*"
	if got := b.containLine(ap); !strings.Contains(got, "stays restricted") || strings.Contains(got, "*keep*") {
		t.Errorf("cancelled: %q", got)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
