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
	if len(c.Approvers) == 0 || slices.ContainsFunc(c.Approvers, func(id string) bool { return id[0] == 'S' }) {
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

// ApprovalRules is the approval policy the configuration sets.
func (c Config) ApprovalRules() commands.ApprovalPolicy {
	return commands.ApprovalPolicy{Required: c.ApprovalsRequired, Verbs: c.ApprovalPolicy, Protected: c.Protected, TTL: c.ApprovalTTL}
}
