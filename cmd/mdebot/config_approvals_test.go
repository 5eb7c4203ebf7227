package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdebot/mdebot/commands"
)

func TestApprovalPolicyConfig(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, with(map[string]string{
		"MDEBOT_APPROVAL_POLICY": "scan=1, block=2", "MDEBOT_PROTECTED": "group:Servers=2; tag:tier0=never",
		"MDEBOT_APPROVERS": "U1,U2", "MDEBOT_APPROVAL_TTL": "10m",
	}))
	p := cfg.ApprovalRules()
	want := commands.ApprovalPolicy{Required: 1, TTL: p.TTL, Verbs: map[string]commands.Need{"scan": 1, "block": 2},
		Protected: []commands.ProtectedRule{{Kind: "group", Name: "Servers", Need: 2}, {Kind: "tag", Name: "tier0", Need: commands.NeverFromChat}}}
	if diff := cmp.Diff(want, p); diff != "" || p.TTL.Minutes() != 10 {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
	if s := cfg.Redacted(); !strings.Contains(s, "MDEBOT_PROTECTED=group:Servers=2; tag:tier0=never\n") {
		t.Errorf("Redacted:\n%s", s)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want Problem
	}{
		{"unknown verb", map[string]string{"MDEBOT_APPROVAL_POLICY": "scan=1,offboard-secret=1"}, Problem{"MDEBOT_APPROVAL_POLICY", "entry 2 is not verb=n"}},
		{"bad rule", map[string]string{"MDEBOT_PROTECTED": "host:dc01-secret=2"}, Problem{"MDEBOT_PROTECTED", "rule 1: must start with group: or tag:"}},
		{"too few approvers", map[string]string{"MDEBOT_PROTECTED": "tag:x=3", "MDEBOT_APPROVERS": "U1,U2"},
			Problem{"MDEBOT_PROTECTED", "asks for 3 approvals but MDEBOT_APPROVERS names only 2 people"}},
		{"too few for a verb", map[string]string{"MDEBOT_APPROVAL_POLICY": "block=4", "MDEBOT_APPROVERS": "U1"},
			Problem{"MDEBOT_APPROVAL_POLICY", "asks for 4 approvals"}},
	} {
		got := problems(t, with(tc.env))
		if len(got) != 1 || got[0].Var != tc.want.Var || !strings.Contains(got[0].Message, tc.want.Message) || strings.Contains(got[0].Message, "secret") {
			t.Errorf("%s: problems = %q, want %v", tc.name, got, tc.want)
		}
	}
	if _, err := load(t, with(map[string]string{"MDEBOT_PROTECTED": "tag:x=5", "MDEBOT_APPROVERS": "U1,S2"})); err != nil {
		t.Errorf("a user group can meet any number: %v", err)
	}
}
