package commands

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/mdefake"
)

const seededAction = "7c1e5a5e-3f43-4d2b-9b1a-5b0f3a1e9d01"

func TestActions(t *testing.T) {
	t.Parallel()
	t.Run("last 7 days", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		resp := f.mustRun(t, "actions", 0)
		view := resp.View.(ActionListView)
		if view.Title != "Machine actions of the last 7 days" || len(view.Actions) != 1 || view.Actions[0].ID != seededAction || view.More != nil {
			t.Errorf("view = %+v", view)
		}
		want := []sent{{Method: "GET", Path: "/api/machineactions", Filter: "creationDateTimeUtc ge " + rfc(f.now.Add(-7*24*time.Hour)), Top: "1001"}}
		if diff := cmp.Diff(want, f.sent()); diff != "" {
			t.Errorf("MDE requests (-want +got):\n%s", diff)
		}
	})
	t.Run("one device by short name", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		resp := f.mustRun(t, "actions LAPTOP-BOB", 0)
		view := resp.View.(ActionListView)
		if view.Title != "Machine actions on "+mdefake.DemoBob || len(view.Actions) != 1 {
			t.Errorf("view = %+v", view)
		}
		got := f.sent()
		if len(got) != 2 || got[1].Filter != "machineId eq '"+machineID(mdefake.DemoBob)+"'" {
			t.Errorf("MDE requests = %+v", got)
		}
	})
	t.Run("device by IP", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		resp := f.mustRun(t, "actions 10.1.2.3", 0)
		if v := resp.View.(ActionListView); v.Title != "Machine actions on "+mdefake.DemoAlice || len(v.Actions) != 0 || resp.Text != v.Title+": none." {
			t.Errorf("resp = %q %+v", resp.Text, v)
		}
	})
}

func TestActionsPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var ids []string
	for i := range 12 {
		m := f.env.Fake.AddMachine(mdefake.Machine{ComputerDNSName: fmt.Sprintf("scan-%02d.contoso.com", i)})
		f.env.Fake.Advance(time.Second)
		res, err := f.env.Client.RunAntivirusScan(t.Context(), m.ID, "test scan", defender.ScanQuick)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.Action.ID)
	}
	// Newest first: the 12 scans, then the seeded one.
	var want []string
	for i := len(ids) - 1; i >= 0; i-- {
		want = append(want, ids[i])
	}
	want = append(want, seededAction)
	f.now = f.env.Fake.Now()
	var got []string
	offset := 0
	for range 3 {
		view := f.mustRun(t, "actions", offset).View.(ActionListView)
		for _, a := range view.Actions {
			got = append(got, a.ID)
		}
		if view.More == nil {
			break
		}
		if view.More.Command != "actions" || view.More.Offset != offset+pageSize {
			t.Fatalf("more = %+v", view.More)
		}
		offset = view.More.Offset
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("actions over the pages (-want +got):\n%s", diff)
	}
}

func TestAction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	resp := f.mustRun(t, "action "+strings.ToUpper(seededAction), 0)
	view, ok := resp.View.(ActionView)
	if !ok {
		t.Fatalf("view is %T", resp.View)
	}
	if view.Action.ID != seededAction || view.Action.Type != defender.ActionScan || view.Action.Status != defender.ActionSucceeded || view.PortalURL != testPortal {
		t.Errorf("view = %+v", view)
	}
	if resp.Text != "RunAntiVirusScan on "+mdefake.DemoBob+": Succeeded" {
		t.Errorf("text = %q", resp.Text)
	}
	if s := f.sent(); len(s) != 1 || s[0].Path != "/api/machineactions/"+seededAction {
		t.Errorf("MDE requests = %+v", s)
	}
	_, err := f.run(t, "action 00000000-0000-4000-8000-000000000000", 0)
	if got, want := ErrorMessage(err, testRef), "No machine action has the ID 00000000-0000-4000-8000-000000000000."; got != want {
		t.Errorf("unknown action: %q, want %q", got, want)
	}
}
