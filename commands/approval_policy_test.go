package commands

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdebot/mdebot/defender"
)

func TestParseApprovalPolicy(t *testing.T) {
	t.Parallel()
	got, err := ParseApprovalPolicy(" scan=1, BLOCK=2;collect=never,alert=0 ")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Need{"scan": 1, "block": 2, "collect": NeverFromChat, "alert": 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
	if got, err := ParseApprovalPolicy(""); err != nil || len(got) != 0 {
		t.Errorf("empty policy: %v, %v", got, err)
	}
	for _, bad := range []struct{ in, msg string }{
		{"scan", "entry 1 is not verb=n"},
		{"scan=1,reboot=1", "entry 2 is not verb=n"},
		{"scan=6", "entry 1: the number of approvals must be 0 to 5"},
		{"scan=-1", "entry 1: the number"},
		{"scan=1,scan=2", "entry 2 names a verb a second time"},
		{"isolate=secret-value", "entry 1: the number"},
	} {
		_, err := ParseApprovalPolicy(bad.in)
		if err == nil || !strings.HasPrefix(err.Error(), bad.msg) || strings.Contains(err.Error(), "secret-value") {
			t.Errorf("ParseApprovalPolicy(%q) = %v, want %q...", bad.in, err, bad.msg)
		}
	}
}

func TestParseProtected(t *testing.T) {
	t.Parallel()
	got, err := ParseProtected("group:Tier 0 Servers=2; tag:tier0=never, tag:vip@isolate+Restrict=3")
	if err != nil {
		t.Fatal(err)
	}
	want := []ProtectedRule{
		{Kind: "group", Name: "Tier 0 Servers", Need: 2},
		{Kind: "tag", Name: "tier0", Need: NeverFromChat},
		{Kind: "tag", Name: "vip", Verbs: []string{"isolate", "restrict"}, Need: 3},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	if s := got[2].String(); s != "tag:vip@isolate+restrict=3" {
		t.Errorf("String() = %q", s)
	}
	for _, bad := range []struct{ in, msg string }{
		{"group:Servers", "rule 1: is not group:<name>=<n|never>"},
		{"host:dc01=2", "rule 1: must start with group: or tag:"},
		{"group:=2", "rule 1: needs a group name"},
		{"tag:a=2;tag:b@block=2", "rule 2: may name only the device verbs"},
		{"tag:b@cancel+alert=2", "rule 1: may name only the device verbs"},
		{"tag:a=0", "rule 1: the number of approvals must be 1 to 5"},
	} {
		_, err := ParseProtected(bad.in)
		if err == nil || !strings.HasPrefix(err.Error(), bad.msg) {
			t.Errorf("ParseProtected(%q) = %v, want %q...", bad.in, err, bad.msg)
		}
	}
}

func TestPolicyNeed(t *testing.T) {
	t.Parallel()
	rules, err := ParseProtected("group:Servers=2; tag:tier0=never; tag:vip@isolate=3")
	if err != nil {
		t.Fatal(err)
	}
	p := ApprovalPolicy{Required: 1, Verbs: map[string]Need{"block": 2, "collect": NeverFromChat}, Protected: rules}
	laptop := &defender.Machine{RBACGroupName: "Workstations"}
	server := &defender.Machine{RBACGroupName: "servers", MachineTags: []string{"dmz"}}
	dc := &defender.Machine{RBACGroupName: "Servers", MachineTags: []string{"TIER0"}}
	vip := &defender.Machine{RBACGroupName: "Workstations", MachineTags: []string{"vip"}}
	for _, tc := range []struct {
		verb string
		m    *defender.Machine
		need Need
		rule string
	}{
		{"isolate", laptop, 1, ""},
		{"scan", laptop, 0, ""},
		{"cancel", nil, 1, ""},
		{"cancel", server, 2, "protected (device group Servers): 2 approvals"},
		{"cancel", dc, NeverFromChat, "protected (machine tag tier0): never from chat"},
		{"alert", nil, 0, ""},
		{"block", nil, 2, ""},
		{"collect", laptop, NeverFromChat, ""},
		{"isolate", server, 2, "protected (device group Servers): 2 approvals"},
		{"scan", server, 2, "protected (device group Servers): 2 approvals"},
		{"isolate", dc, NeverFromChat, "protected (machine tag tier0): never from chat"},
		{"isolate", vip, 3, "protected (machine tag vip): 3 approvals"},
		{"release", vip, 1, ""},
	} {
		n, rule := p.need(tc.verb, tc.m)
		if n != tc.need || rule != tc.rule {
			t.Errorf("need(%s, %+v) = %v %q, want %v %q", tc.verb, tc.m, n, rule, tc.need, tc.rule)
		}
	}
	if got := p.MostNeeded(); got != 3 {
		t.Errorf("MostNeeded = %d, want 3", got)
	}
}

// TestPolicyNeedsApproval guarantees that NeedsApproval tells whether any request can wait for an
// approval: through a verb's number or through a protected-device rule on a verb chat may ask.
func TestPolicyNeedsApproval(t *testing.T) {
	t.Parallel()
	none := map[string]Need{}
	for _, v := range PolicyVerbs() {
		none[v] = 0
	}
	none["collect"] = NeverFromChat
	rule := func(s string) []ProtectedRule {
		r, err := ParseProtected(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, tc := range []struct {
		name string
		p    ApprovalPolicy
		want bool
	}{
		{"defaults", ApprovalPolicy{Required: 1}, true},
		{"every verb 0 or never", ApprovalPolicy{Required: 1, Verbs: none}, false},
		{"a rule raises a verb", ApprovalPolicy{Required: 1, Verbs: none, Protected: rule("tag:x=2")}, true},
		{"a rule on cancel only", ApprovalPolicy{Required: 1, Verbs: none, Protected: rule("tag:x@cancel=1")}, true},
		{"a rule on a verb never asked", ApprovalPolicy{Required: 1, Verbs: none, Protected: rule("tag:x@collect=2")}, false},
		{"a rule that forbids", ApprovalPolicy{Required: 1, Verbs: none, Protected: rule("tag:x=never")}, false},
	} {
		if got := tc.p.NeedsApproval(); got != tc.want {
			t.Errorf("%s: NeedsApproval = %v, want %v", tc.name, got, tc.want)
		}
	}
}
