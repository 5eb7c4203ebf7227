package commands

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdebot/mdebot/defender/mdefake"
)

func alertTitles(v AlertListView) []string {
	var out []string
	for _, a := range v.Alerts {
		out = append(out, a.Title)
	}
	return out
}

func TestAlerts(t *testing.T) {
	t.Parallel()
	const top = "1001"
	tests := []struct {
		name      string
		text      string
		wantTitle string
		want      []string
		filter    func(now time.Time) string
	}{
		{
			name:      "default window",
			text:      "alerts",
			wantTitle: "Alerts updated in the last 24 hours",
			want: []string{"Large data transfer to a cloud storage service", "Network scan detected",
				"Attempt to turn off Microsoft Defender Antivirus protection", "Web shell detected on IIS server",
				"Coin miner detected", "Suspicious remote service creation", "Mimikatz credential theft tool"},
			filter: func(now time.Time) string { return "lastUpdateTime ge " + rfc(now.Add(-24*time.Hour)) },
		},
		{
			name:      "severity status since",
			text:      "alerts severity=high status:new since=7D",
			wantTitle: "Alerts updated in the last 7 days, severity High, status New",
			want:      []string{"Mimikatz credential theft tool", "Connection to a known command and control server", "Suspicious PowerShell command line"},
			filter: func(now time.Time) string {
				return "(lastUpdateTime ge " + rfc(now.Add(-7*24*time.Hour)) + ") and (severity eq 'High') and (status eq 'New')"
			},
		},
		{
			name:      "limit",
			text:      "alerts since=7d limit=3",
			wantTitle: "Alerts updated in the last 7 days",
			want:      []string{"Large data transfer to a cloud storage service", "Network scan detected", "Attempt to turn off Microsoft Defender Antivirus protection"},
			filter:    func(now time.Time) string { return "lastUpdateTime ge " + rfc(now.Add(-7*24*time.Hour)) },
		},
		{
			name:      "since minutes",
			text:      "alerts since=150m",
			wantTitle: "Alerts updated in the last 150 minutes",
			want:      []string{"Large data transfer to a cloud storage service"},
			filter:    func(now time.Time) string { return "lastUpdateTime ge " + rfc(now.Add(-150*time.Minute)) },
		},
		{
			name:      "nothing matches",
			text:      "alerts severity=Informational status=Resolved",
			wantTitle: "Alerts updated in the last 24 hours, severity Informational, status Resolved",
			filter: func(now time.Time) string {
				return "(lastUpdateTime ge " + rfc(now.Add(-24*time.Hour)) + ") and (severity eq 'Informational') and (status eq 'Resolved')"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			resp := f.mustRun(t, tt.text, 0)
			view, ok := resp.View.(AlertListView)
			if !ok {
				t.Fatalf("view is %T, want AlertListView", resp.View)
			}
			if view.Title != tt.wantTitle || view.PortalURL != testPortal || view.More != nil || view.Note != "" {
				t.Errorf("view = title %q portal %q more %v note %q", view.Title, view.PortalURL, view.More, view.Note)
			}
			if diff := cmp.Diff(tt.want, alertTitles(view)); diff != "" {
				t.Errorf("alerts (-want +got):\n%s", diff)
			}
			want := []sent{{Method: "GET", Path: "/api/alerts", Filter: tt.filter(f.now), Top: top}}
			if diff := cmp.Diff(want, f.sent()); diff != "" {
				t.Errorf("MDE requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAlertsMachine(t *testing.T) {
	t.Parallel()
	t.Run("one device", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		resp := f.mustRun(t, "alerts machine=DC01", 0)
		view := resp.View.(AlertListView)
		if view.Title != "Alerts updated in the last 24 hours, on dc01.contoso.com" {
			t.Errorf("title = %q", view.Title)
		}
		if diff := cmp.Diff([]string{"Suspicious remote service creation", "Mimikatz credential theft tool"}, alertTitles(view)); diff != "" {
			t.Errorf("alerts (-want +got):\n%s", diff)
		}
		// MDE cannot filter /alerts by machineId: the device's alert list is read instead.
		want := []sent{
			{Method: "GET", Path: "/api/machines", Filter: "startswith(computerDnsName,'dc01')", Top: "10000"},
			{Method: "GET", Path: "/api/machines/" + machineID(mdefake.DemoDC) + "/alerts"},
		}
		if diff := cmp.Diff(want, f.sent()); diff != "" {
			t.Errorf("MDE requests (-want +got):\n%s", diff)
		}
	})
	t.Run("ambiguous name gives a choice", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		const text = "alerts severity=High machine:web01 since=7d"
		resp := f.mustRun(t, text, 0)
		view, ok := resp.View.(ChoiceView)
		if !ok {
			t.Fatalf("view is %T, want ChoiceView", resp.View)
		}
		var cmds []string
		for _, c := range view.Choices {
			cmds = append(cmds, c.Command)
		}
		want := []string{
			"alerts severity=High machine=" + machineID(mdefake.DemoWebContoso) + " since=7d",
			"alerts severity=High machine=" + machineID(mdefake.DemoWebFabrikam) + " since=7d",
		}
		if diff := cmp.Diff(want, cmds); diff != "" {
			t.Errorf("choices (-want +got):\n%s", diff)
		}
		for _, s := range f.sent() {
			if s.Path != "/api/machines" {
				t.Errorf("alerts were listed before the device was chosen")
			}
		}
		// The choice runs as it is.
		resp = f.mustRun(t, want[0], 0)
		if got := alertTitles(resp.View.(AlertListView)); !cmp.Equal(got, []string{"Web shell detected on IIS server"}) {
			t.Errorf("after the choice: %q", got)
		}
	})
}

func TestAlertsPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.env.Fake.AddAlerts(25) // updated in the last 12 s, so 32 alerts fall in the last 24 h
	const text = "alerts  since=24h"
	var seen []string
	offset, pages := 0, 0
	for {
		resp := f.mustRun(t, text, offset)
		view := resp.View.(AlertListView)
		pages++
		for i, a := range view.Alerts {
			seen = append(seen, a.ID)
			if i > 0 && a.LastUpdateTime.After(view.Alerts[i-1].LastUpdateTime.Time) {
				t.Errorf("page at %d is not newest first", offset)
			}
		}
		if view.More == nil {
			if len(view.Alerts) != 2 {
				t.Errorf("last page has %d alerts, want 2", len(view.Alerts))
			}
			break
		}
		if len(view.Alerts) != pageSize || view.More.Command != text || view.More.Offset != offset+pageSize {
			t.Fatalf("page at %d: %d alerts, more %+v", offset, len(view.Alerts), view.More)
		}
		offset = view.More.Offset
	}
	if pages != 4 || len(seen) != 32 {
		t.Errorf("%d pages, %d alerts; want 4 pages, 32 alerts", pages, len(seen))
	}
	dup := map[string]bool{}
	for _, id := range seen {
		if dup[id] {
			t.Errorf("alert %s shown twice", id)
		}
		dup[id] = true
	}
	// A page past the end is empty, not an error.
	resp := f.mustRun(t, text, 40)
	if v := resp.View.(AlertListView); len(v.Alerts) != 0 || v.More != nil {
		t.Errorf("past the end: %d alerts, more %v", len(v.Alerts), v.More)
	}
}

func TestAlertsLimitPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const text = "alerts since=7d limit=11"
	first := f.mustRun(t, text, 0).View.(AlertListView)
	if len(first.Alerts) != 10 || first.More == nil || first.More.Offset != 10 {
		t.Fatalf("first page: %d alerts, more %+v", len(first.Alerts), first.More)
	}
	second := f.mustRun(t, text, first.More.Offset).View.(AlertListView)
	if len(second.Alerts) != 1 || second.More != nil {
		t.Errorf("second page: %d alerts, more %+v; want 1 and no more", len(second.Alerts), second.More)
	}
	if second.Alerts[0].Title != "Unusual sign-in activity" {
		t.Errorf("11th alert = %q", second.Alerts[0].Title)
	}
}

func TestAlert(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.env.Fake.Alerts()[3].ID // Mimikatz on dc01
	resp := f.mustRun(t, "alert "+id, 0)
	view, ok := resp.View.(AlertView)
	if !ok {
		t.Fatalf("view is %T", resp.View)
	}
	if view.Alert.ID != id || view.Alert.Title != "Mimikatz credential theft tool" || len(view.Alert.Evidence) != 2 || view.PortalURL != testPortal {
		t.Errorf("view = %+v", view)
	}
	reqs := f.apiRequests()
	if len(reqs) != 1 || reqs[0].Path != "/api/alerts/"+id || reqs[0].RawQuery != "$expand=evidence" {
		t.Errorf("requests = %+v", reqs)
	}
	_, err := f.run(t, "alert da000000000000000000_1", 0)
	if got, want := ErrorMessage(err, testRef), "No alert has the ID da000000000000000000_1 (it may be outside the retention period)."; got != want {
		t.Errorf("unknown alert: %q, want %q", got, want)
	}
}

func TestAlertsMoreThanScanCap(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.env.Fake.AddAlerts(scanCap + 5)
	resp := f.mustRun(t, "alerts", 0)
	view := resp.View.(AlertListView)
	if view.Note != scanNote("alerts") || len(view.Alerts) != pageSize || view.More == nil {
		t.Errorf("note %q, %d alerts, more %v", view.Note, len(view.Alerts), view.More)
	}
	if resp.Text != "Alerts updated in the last 24 hours: 1000 alerts." {
		t.Errorf("text = %q", resp.Text)
	}
}
