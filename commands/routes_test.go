package commands

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdebot/mdebot/defender"
)

func TestRoutesChannels(t *testing.T) {
	t.Parallel()
	spec := `severity>=High -> C0HIGH;
group=Tier0 Servers|Domain Controllers, severity>=Medium -> C0SRV, C0HIGH
category=Ransomware -> C0IR ; tag=PCI -> C0PCI
source = windowsdefenderav , severity=low|informational -> C0AV`
	r, err := ParseRoutes(spec)
	if err != nil {
		t.Fatal(err)
	}
	if !r.NeedsTags() {
		t.Error("NeedsTags = false with a tag rule")
	}
	alert := func(sev defender.Severity, group, cat, src string) defender.Alert {
		return defender.Alert{Severity: sev, RBACGroupName: group, Category: cat, DetectionSource: src}
	}
	for _, tc := range []struct {
		name string
		a    defender.Alert
		tags []string
		want []string
	}{
		{"high only", alert("High", "Workstations", "Execution", "WindowsDefenderAtp"), nil, []string{"C0HIGH"}},
		{"high server: each channel once", alert("High", "tier0 servers", "Execution", ""), nil, []string{"C0HIGH", "C0SRV"}},
		{"medium server", alert("Medium", "Domain Controllers", "", ""), nil, []string{"C0SRV", "C0HIGH"}},
		{"low server: AND fails", alert("Low", "Tier0 Servers", "", ""), nil, []string{"C0DEFAULT"}},
		{"ransomware", alert("Medium", "", "Ransomware", ""), nil, []string{"C0IR"}},
		{"tag", alert("Low", "", "", ""), []string{"prod", "pci"}, []string{"C0PCI"}},
		{"av low", alert("Low", "", "", "WindowsDefenderAv"), nil, []string{"C0AV"}},
		{"av medium: severity= is exact", alert("Medium", "", "", "WindowsDefenderAv"), nil, []string{"C0DEFAULT"}},
		{"nothing matches", alert("Low", "", "", ""), nil, []string{"C0DEFAULT"}},
	} {
		if got := r.Channels(tc.a, tc.tags, "C0DEFAULT"); !cmp.Equal(got, tc.want) {
			t.Errorf("%s: channels %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := r.Channels(alert("Low", "", "", ""), nil, ""); len(got) != 0 {
		t.Errorf("no rule and no fallback: %v", got)
	}
	// severity>= ranks UnSpecified (and unknown values) as Informational.
	info, err := ParseRoutes("severity>=Informational -> C0ALL")
	if err != nil {
		t.Fatal(err)
	}
	for _, sev := range []defender.Severity{defender.SeverityUnspecified, "Bogus"} {
		if got := info.Channels(alert(sev, "", "", ""), nil, ""); !cmp.Equal(got, []string{"C0ALL"}) {
			t.Errorf("severity %q against severity>=Informational: %v", sev, got)
		}
	}
	all, err := ParseRoutes("* -> C0ALL; severity=High -> C0ALL, G0PRIV")
	if err != nil {
		t.Fatal(err)
	}
	if got := all.Channels(alert("High", "", "", ""), nil, "C0DEFAULT"); !cmp.Equal(got, []string{"C0ALL", "G0PRIV"}) {
		t.Errorf("catch-all: %v", got)
	}
	if empty, err := ParseRoutes("  \n ; "); err != nil || !empty.Empty() {
		t.Errorf("blank spec: %v %v", empty, err)
	}
}

func TestRoutesErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec string
		rule int
		msg  string
	}{
		{"severity>=High C0A", 1, `no "->"`},
		{"severity>=High -> #soc", 1, "not a Slack channel ID"},
		{"severity>=High -> C0A; owner=bob -> C0B", 2, "unknown field"},
		{"severity>=Critical -> C0A", 1, "severity must be"},
		{"group>=Servers -> C0A", 1, `">=" works only with severity`},
		{"group= -> C0A", 1, "empty value"},
		{"severity>=High|Low -> C0A", 1, "one severity"},
		{"group=a,,severity=High -> C0A", 1, "condition is empty"},
		{"-> C0A", 1, "condition is empty"},
		{"group Servers -> C0A", 1, `no "="`},
		{"* -> C0A, U0USER", 1, "not a Slack channel ID"},
		{"* -> ", 1, "not a Slack channel ID"},
	} {
		_, err := ParseRoutes(tc.spec)
		var re *RouteError
		if !errors.As(err, &re) || re.Rule != tc.rule || !strings.Contains(re.Msg, tc.msg) {
			t.Errorf("%q: error %v, want rule %d saying %q", tc.spec, err, tc.rule, tc.msg)
		}
	}
}
