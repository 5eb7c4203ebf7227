package commands

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdebot/mdebot/defender/mdefake"
)

func entityOf(t *testing.T, resp Response) EntityView {
	t.Helper()
	v, ok := resp.View.(EntityView)
	if !ok {
		t.Fatalf("view is %T, want EntityView", resp.View)
	}
	return v
}

func paths(f *fixture) []string {
	var out []string
	for _, r := range f.apiRequests() {
		p := r.Path
		if r.RawQuery != "" {
			p += "?" + r.RawQuery
		}
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func (v EntityView) alertTitles() []string {
	var out []string
	for _, a := range v.Alerts {
		out = append(out, a.Title)
	}
	return out
}

func (v EntityView) machineNames() []string {
	var out []string
	for _, m := range v.Machines {
		out = append(out, m.ComputerDNSName)
	}
	return out
}

func TestFile(t *testing.T) {
	t.Parallel()
	sha1, sha256 := mdefake.FakeSHA1("mimikatz.exe"), mdefake.FakeSHA256("mimikatz.exe")
	t.Run("sha1", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		v := entityOf(t, f.mustRun(t, "file "+strings.ToUpper(sha1), 0))
		if v.Kind != "file" || v.Name != sha1 || v.File == nil || v.File.DeterminationValue != "HackTool:Win64/Mimikatz" || v.FileStat == nil || v.PortalURL != testPortal {
			t.Fatalf("view = %+v", v)
		}
		if v.FileStat.OrganizationPrevalence != 1 || len(v.Notes) != 0 {
			t.Errorf("prevalence %d, notes %q", v.FileStat.OrganizationPrevalence, v.Notes)
		}
		if diff := cmp.Diff([]string{"Mimikatz credential theft tool"}, v.alertTitles()); diff != "" {
			t.Errorf("alerts (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{mdefake.DemoDC}, v.machineNames()); diff != "" {
			t.Errorf("devices (-want +got):\n%s", diff)
		}
		want := []string{"/api/files/" + sha1, "/api/files/" + sha1 + "/alerts", "/api/files/" + sha1 + "/machines", "/api/files/" + sha1 + "/stats?lookBackHours=720"}
		if diff := cmp.Diff(want, paths(f)); diff != "" {
			t.Errorf("MDE requests (-want +got):\n%s", diff)
		}
	})
	t.Run("sha256 finds devices by the profile's sha1", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		v := entityOf(t, f.mustRun(t, "file "+sha256, 0))
		if v.Name != sha256 || v.File == nil || len(v.Notes) != 0 || !cmp.Equal(v.machineNames(), []string{mdefake.DemoDC}) {
			t.Errorf("view = %+v", v)
		}
		// File alerts take a SHA-1 only: the SHA-256 is looked up for its SHA-1 first.
		want := []string{"/api/files/" + sha1 + "/alerts", "/api/files/" + sha1 + "/machines", "/api/files/" + sha256, "/api/files/" + sha256, "/api/files/" + sha256 + "/stats?lookBackHours=720"}
		if diff := cmp.Diff(want, paths(f)); diff != "" {
			t.Errorf("MDE requests (-want +got):\n%s", diff)
		}
	})
	t.Run("never seen", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		unknown := strings.Repeat("ab", 20)
		resp := f.mustRun(t, "file "+unknown, 0)
		v := entityOf(t, resp)
		if v.File != nil || v.FileStat != nil || len(v.Alerts) != 0 || !cmp.Equal(v.Notes, []string{"Defender has never seen this file."}) {
			t.Errorf("view = %+v", v)
		}
	})
	t.Run("partial failure", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.env.Fake.Inject(mdefake.Fault{PathContains: "/stats", Status: 500})
		f.env.Fake.Inject(mdefake.Fault{PathContains: "/machines", Status: 403})
		v := entityOf(t, f.mustRun(t, "file "+sha1, 0))
		want := []string{
			"The file's prevalence could not be read because Defender had an internal error.",
			"The devices the file was seen on could not be read because the bot's Entra app lacks the Defender permission for it.",
		}
		if diff := cmp.Diff(want, v.Notes); diff != "" {
			t.Errorf("notes (-want +got):\n%s", diff)
		}
		if v.File == nil || len(v.Alerts) != 1 {
			t.Errorf("the parts that worked are missing: %+v", v)
		}
	})
	t.Run("everything fails", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.env.Fake.Inject(mdefake.Fault{PathContains: "/api/files/", Status: 500})
		_, err := f.run(t, "file "+sha1, 0)
		if got, want := ErrorMessage(err, testRef), "Defender had an internal error. Try again in a minute. (ref testref)"; got != want {
			t.Errorf("message %q, want %q", got, want)
		}
	})
}

func TestIP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	resp := f.mustRun(t, "ip 10.1.2.3", 0)
	v := entityOf(t, resp)
	if v.Kind != "ip" || v.Name != "10.1.2.3" || v.Stats == nil || v.Stats.OrganizationPrevalence != 1 || len(v.Notes) != 0 {
		t.Errorf("view = %+v", v)
	}
	if !cmp.Equal(v.alertTitles(), []string{"Suspicious remote service creation"}) || !cmp.Equal(v.machineNames(), []string{mdefake.DemoAlice}) {
		t.Errorf("alerts %q devices %q", v.alertTitles(), v.machineNames())
	}
	if resp.Text != "IP address 10.1.2.3: 1 alert, 1 device." {
		t.Errorf("text = %q", resp.Text)
	}
	want := []string{
		"/api/ips/10.1.2.3/alerts", "/api/ips/10.1.2.3/stats?lookBackHours=720",
		"/api/machines/findbyip(ip='10.1.2.3',timestamp=T)",
	}
	got := paths(f)
	// The client sends a time safely in the past: five minutes before its own clock.
	if i := len(got) - 1; i >= 0 {
		if ts, ok := strings.CutPrefix(got[i], "/api/machines/findbyip(ip='10.1.2.3',timestamp="); ok {
			at, err := time.Parse("2006-01-02T15:04:05Z)", ts)
			if err != nil || at.After(time.Now().Add(-5*time.Minute)) || at.Before(f.now.Add(-7*time.Minute)) {
				t.Errorf("findbyip timestamp %q, want about five minutes ago", ts)
			}
			got[i] = "/api/machines/findbyip(ip='10.1.2.3',timestamp=T)"
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MDE requests (-want +got):\n%s", diff)
	}
	// IPv6 in its canonical form.
	if v := entityOf(t, f.mustRun(t, "ip 2001:DB8:0::1", 0)); v.Name != "2001:db8::1" {
		t.Errorf("IPv6 name = %q", v.Name)
	}
}

func TestDomain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := entityOf(t, f.mustRun(t, "domain <http://MALICIOUS-CDN.example.net.|MALICIOUS-CDN.example.net.>", 0))
	if v.Kind != "domain" || v.Name != "malicious-cdn.example.net" || v.Stats == nil || v.Stats.OrganizationPrevalence != 1 {
		t.Errorf("view = %+v", v)
	}
	if !cmp.Equal(v.alertTitles(), []string{"Suspicious PowerShell command line"}) || !cmp.Equal(v.machineNames(), []string{mdefake.DemoAlice}) {
		t.Errorf("alerts %q devices %q", v.alertTitles(), v.machineNames())
	}
	want := []string{"/api/domains/malicious-cdn.example.net/alerts", "/api/domains/malicious-cdn.example.net/machines", "/api/domains/malicious-cdn.example.net/stats?lookBackHours=720"}
	if diff := cmp.Diff(want, paths(f)); diff != "" {
		t.Errorf("MDE requests (-want +got):\n%s", diff)
	}
}

func TestUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		notes      []string
	}{
		{"account name", "user alice", nil},
		{"domain prefix dropped", `user CONTOSO\alice`, []string{`Defender looks users up by account name only, so CONTOSO\alice was looked up as alice.`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			v := entityOf(t, f.mustRun(t, tt.text, 0))
			if v.Kind != "user" || v.Name != "alice" || v.Stats != nil || !cmp.Equal(v.Notes, tt.notes) {
				t.Errorf("view = %+v", v)
			}
			want := []string{"Connection to a known command and control server", "Suspicious PowerShell command line", "Malicious macro in Office document", "Blocked download of a malicious file"}
			if diff := cmp.Diff(want, v.alertTitles()); diff != "" {
				t.Errorf("alerts, newest first (-want +got):\n%s", diff)
			}
			if !cmp.Equal(v.machineNames(), []string{mdefake.DemoAlice}) {
				t.Errorf("devices %q", v.machineNames())
			}
			if diff := cmp.Diff([]string{"/api/users/alice/alerts", "/api/users/alice/machines"}, paths(f)); diff != "" {
				t.Errorf("MDE requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEntityListsAreCapped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := f.env.Fake.Now()
	for i := range 30 {
		f.env.Fake.AddAlert(mdefake.Alert{Title: fmt.Sprintf("carol %02d", i), MachineID: machineID(mdefake.DemoBob),
			LastUpdateTime: now.Add(time.Duration(i-30) * time.Minute), RelatedUser: &mdefake.RelatedUser{UserName: "carol", DomainName: "CONTOSO"}})
	}
	v := entityOf(t, f.mustRun(t, "user carol", 0))
	if len(v.Alerts) != maxEntityItems || v.Alerts[0].Title != "carol 29" || v.Alerts[maxEntityItems-1].Title != "carol 05" {
		t.Errorf("%d alerts, first %q", len(v.Alerts), v.Alerts[0].Title)
	}
	if want := []string{"Defender lists 30 related alerts; the 25 newest are shown."}; !cmp.Equal(v.Notes, want) {
		t.Errorf("notes %q, want %q", v.Notes, want)
	}
}
