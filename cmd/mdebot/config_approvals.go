package main

import (
	"slices"

	"github.com/mdebot/mdebot/commands"
)

// checkApprovalPolicy parses MDEBOT_APPROVAL_POLICY and MDEBOT_PROTECTED, and checks that
// MDEBOT_APPROVERS can meet what they ask for. The parsers' messages name entries by position,
// never by their text.
func checkApprovalPolicy(ck *checker, c *Config) {
	verbs, err := commands.ParseApprovalPolicy(c.RawApprovalPolicy)
	if err != nil {
		ck.add("MDEBOT_APPROVAL_POLICY", "%s", err.Error())
	}
	c.ApprovalPolicy = verbs
	rules, err := commands.ParseProtected(c.RawProtected)
	if err != nil {
		ck.add("MDEBOT_PROTECTED", "%s", err.Error())
	}
	c.Protected = rules
	checkApproverQuorum(ck, c)
	if len(c.Approvers) == 0 || hasUserGroup(c.Approvers) {
		return
	}
	most := func(p commands.ApprovalPolicy) int { return p.MostNeeded() }
	if n := most(commands.ApprovalPolicy{Verbs: verbs}); n > len(c.Approvers) {
		ck.add("MDEBOT_APPROVAL_POLICY", "asks for %d approvals but MDEBOT_APPROVERS names only %d people and no user group", n, len(c.Approvers))
	}
	if n := most(commands.ApprovalPolicy{Protected: rules}); n > len(c.Approvers) {
		ck.add("MDEBOT_PROTECTED", "asks for %d approvals but MDEBOT_APPROVERS names only %d people and no user group", n, len(c.Approvers))
	}
}

// checkApproverQuorum checks that the requests responders can make can be approved: with
// responders and a policy under which some request waits for approvals, someone must be an
// approver; and a responder who is also an approver never approves their own requests, so the
// other approvers must be enough for the most any request can need. A user group among the
// approvers makes the count unknowable, and then only the first check applies. Messages give
// counts, never IDs.
func checkApproverQuorum(ck *checker, c *Config) {
	p := c.ApprovalRules()
	if !c.ActionsEnabled() || !p.NeedsApproval() {
		return
	}
	if len(c.Approvers) == 0 {
		ck.add("MDEBOT_APPROVERS", "is empty, but MDEBOT_RESPONDERS is set and the approval policy makes requests wait "+
			"for approvals, so none could ever be approved (name approvers, or set every verb of MDEBOT_APPROVAL_POLICY to 0 or never)")
		return
	}
	if hasUserGroup(c.Approvers) {
		return
	}
	need := p.MostNeeded()
	if need > len(c.Approvers) {
		return // reported by the check of the variable that asks for so many
	}
	both := 0
	for _, id := range c.Responders {
		if slices.Contains(c.Approvers, id) {
			both++
		}
	}
	if both > 0 && len(c.Approvers)-1 < need {
		ck.add("MDEBOT_APPROVERS", "names %d people and %d of them are also in MDEBOT_RESPONDERS: their own requests, "+
			"which can need %d approvals, have only %d other approvers and could never be approved (add approvers or lower "+
			"the number of approvals)", len(c.Approvers), both, need, len(c.Approvers)-1)
	}
}

// hasUserGroup reports whether ids holds a Slack user-group ID (S…).
func hasUserGroup(ids []string) bool {
	return slices.ContainsFunc(ids, func(id string) bool { return id[0] == 'S' })
}

// ApprovalRules is the approval policy the configuration sets.
func (c Config) ApprovalRules() commands.ApprovalPolicy {
	return commands.ApprovalPolicy{Required: c.ApprovalsRequired, Verbs: c.ApprovalPolicy, Protected: c.Protected, TTL: c.ApprovalTTL}
}
