package main

import (
	"maps"
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

// TestRespondersNeedApprovers guarantees that responders without any approver are refused while
// the approval policy makes some request wait for an approval (it would expire unapproved), and
// accepted once no request can wait for one.
func TestRespondersNeedApprovers(t *testing.T) {
	t.Parallel()
	_, err := load(t, with(map[string]string{"MDEBOT_RESPONDERS": "U0RESP", "MDEBOT_APPROVAL_CHANNEL": "C0APPROVALS"}))
	if err == nil {
		t.Errorf("responders without any approver accepted: every request needing approval is dead on arrival")
	}
	got := problems(t, with(map[string]string{"MDEBOT_RESPONDERS": "U0RESP", "MDEBOT_APPROVAL_CHANNEL": "C0APPROVALS",
		"MDEBOT_PROTECTED": "tag:x=2", "MDEBOT_APPROVAL_POLICY": "isolate=0,release=0,restrict=0,unrestrict=never,collect=0,quarantine=0,block=0,unblock=0,cancel=0,mute=0"}))
	if len(got) != 1 || got[0].Var != "MDEBOT_APPROVERS" || !strings.Contains(got[0].Message, "could ever be approved") {
		t.Errorf("a protected rule that asks for approvals, without approvers: %q", got)
	}
	if _, err := load(t, with(map[string]string{"MDEBOT_RESPONDERS": "U0RESP", "MDEBOT_APPROVAL_CHANNEL": "C0APPROVALS",
		"MDEBOT_APPROVAL_POLICY": "isolate=0,release=0,restrict=0,unrestrict=never,collect=0,quarantine=0,block=0,unblock=0,cancel=0,mute=0"})); err != nil {
		t.Errorf("no approvers, and no request that waits for one: %v", err)
	}
}

// TestQuorumReachableForResponderApprover guarantees that a quorum a responder who is also an
// approver could never reach for their own requests (they never approve those) is refused, and
// that a user group among the approvers, which makes the count unknowable, is not.
func TestQuorumReachableForResponderApprover(t *testing.T) {
	t.Parallel()
	_, err := load(t, with(map[string]string{"MDEBOT_RESPONDERS": "U0BOTH", "MDEBOT_APPROVERS": "U0BOTH,U0LEAD",
		"MDEBOT_APPROVALS_REQUIRED": "2", "MDEBOT_APPROVAL_CHANNEL": "C0APPROVALS"}))
	if err == nil {
		t.Errorf("a quorum of 2 with 2 approvers, one of them a responder, accepted: that responder's requests can never be approved")
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"protected rule", map[string]string{"MDEBOT_APPROVERS": "U0BOTH,U0LEAD,U0LEAD2", "MDEBOT_PROTECTED": "group:Servers=3"},
			"names 3 people and 1 of them are also in MDEBOT_RESPONDERS: their own requests, which can need 3 approvals, have only 2"},
		{"verb", map[string]string{"MDEBOT_APPROVERS": "U0LEAD,U0BOTH", "MDEBOT_APPROVAL_POLICY": "block=2"}, "which can need 2 approvals, have only 1"},
	} {
		env := map[string]string{"MDEBOT_RESPONDERS": "U0RESP,U0BOTH", "MDEBOT_APPROVAL_CHANNEL": "C0APPROVALS"}
		maps.Copy(env, tc.env)
		got := problems(t, with(env))
		if len(got) != 1 || got[0].Var != "MDEBOT_APPROVERS" || !strings.Contains(got[0].Message, tc.want) || strings.Contains(got[0].Message, "U0") {
			t.Errorf("%s: problems = %q, want one for MDEBOT_APPROVERS with %q", tc.name, got, tc.want)
		}
	}
	for _, env := range []map[string]string{
		{"MDEBOT_APPROVERS": "U0BOTH,U0LEAD", "MDEBOT_APPROVALS_REQUIRED": "1"}, // the demo's shape
		{"MDEBOT_APPROVERS": "U0BOTH,U0LEAD,U0LEAD2", "MDEBOT_APPROVALS_REQUIRED": "2"},
		{"MDEBOT_APPROVERS": "U0BOTH,S0LEADS", "MDEBOT_APPROVALS_REQUIRED": "2"},
		{"MDEBOT_APPROVERS": "U0BOTH,U0LEAD", "MDEBOT_APPROVALS_REQUIRED": "2", "MDEBOT_RESPONDERS": "U0RESP"},
	} {
		full := map[string]string{"MDEBOT_RESPONDERS": "U0RESP,U0BOTH", "MDEBOT_APPROVAL_CHANNEL": "C0APPROVALS"}
		maps.Copy(full, env)
		if _, err := load(t, with(full)); err != nil {
			t.Errorf("%v: %v", env, err)
		}
	}
}
