package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Role is what a person may do.
type Role int

// Roles. A responder or an approver may also run every read-only command.
const (
	Viewer Role = iota + 1
	Responder
	Approver
)

func (r Role) String() string {
	switch r {
	case Viewer:
		return "viewer"
	case Responder:
		return "responder"
	case Approver:
		return "approver"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Roles is the set of roles one person holds.
type Roles struct{ Viewer, Responder, Approver bool }

// Has reports whether the set includes r.
func (rs Roles) Has(r Role) bool {
	switch r {
	case Viewer:
		return rs.Viewer || rs.Responder || rs.Approver
	case Responder:
		return rs.Responder
	case Approver:
		return rs.Approver
	}
	return false
}

// GroupMembers lists the members of a Slack user group (usergroups.users.list).
type GroupMembers interface {
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
}

// Policy says who holds which role: Slack user IDs (U..., W...) and user-group IDs (S...).
// An empty Viewers list means every full member of the workspace may run read-only commands (no
// guests, nobody from another organisation); AllViewers ("*") opens them to everyone, guests
// included. Empty Responders or Approvers mean nobody.
type Policy struct {
	Viewers, Responders, Approvers []string
}

// AllViewers in Policy.Viewers gives the viewer role to everyone who can reach the bot.
const AllViewers = "*"

// Account is what Slack says about a person's account (users.info).
type Account struct {
	// Guest: a multi- or single-channel guest (is_restricted, is_ultra_restricted).
	Guest bool
	// External: someone from another organisation (Slack Connect: is_stranger, or a team that is
	// not this workspace's), or a deactivated account.
	External bool
}

// Accounts reads a person's account type (users.info).
type Accounts interface {
	Account(ctx context.Context, user string) (Account, error)
}

// Authorizer answers "which roles does this user hold now?", expanding user groups through
// Slack with a short cache, so that a change of membership takes effect within GroupTTL.
type Authorizer struct {
	policy Policy
	groups GroupMembers
	ttl    time.Duration
	now    func() time.Time

	accounts Accounts

	mu    sync.Mutex
	cache map[string]groupEntry
	seen  map[string]accountEntry
}

type accountEntry struct {
	account Account
	at      time.Time
}

type groupEntry struct {
	members []string
	at      time.Time
}

// DefaultGroupTTL is how long a user group's membership is trusted before it is asked again.
const DefaultGroupTTL = 2 * time.Minute

// NewAuthorizer returns an authorizer for p. groups may be nil when p lists no user group.
func NewAuthorizer(p Policy, groups GroupMembers, ttl time.Duration, now func() time.Time) *Authorizer {
	if ttl <= 0 {
		ttl = DefaultGroupTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Authorizer{policy: p, groups: groups, ttl: ttl, now: now, cache: map[string]groupEntry{}, seen: map[string]accountEntry{}}
}

// WithAccounts makes the default viewer role (an empty Viewers list) hold only for full members
// of the workspace, as acc reports them; it returns a. Without it (tests), an empty Viewers list
// lets everyone view.
func (a *Authorizer) WithAccounts(acc Accounts) *Authorizer {
	a.accounts = acc
	return a
}

// Has reports whether user holds role now. Direct user IDs are checked before any user group is
// expanded; an error (Slack unreachable while a group must be expanded) grants nothing, and the
// caller refuses the request.
func (a *Authorizer) Has(ctx context.Context, user string, role Role) (bool, error) {
	switch role {
	case Viewer:
		if user == "" {
			return false, nil
		}
		if slices.Contains(a.policy.Viewers, AllViewers) {
			return true, nil
		}
		all := slices.Concat(a.policy.Viewers, a.policy.Responders, a.policy.Approvers)
		if ok, err := a.member(ctx, user, all); ok || err != nil || len(a.policy.Viewers) > 0 {
			return ok, err
		}
		return a.fullMember(ctx, user)
	case Responder:
		return a.member(ctx, user, a.policy.Responders)
	case Approver:
		return a.member(ctx, user, a.policy.Approvers)
	}
	return false, nil
}

// Roles returns the roles user holds, for display (help lists what the user may run). A role
// whose check failed counts as not held.
func (a *Authorizer) Roles(ctx context.Context, user string) Roles {
	has := func(r Role) bool { ok, err := a.Has(ctx, user, r); return ok && err == nil }
	return Roles{Viewer: has(Viewer), Responder: has(Responder), Approver: has(Approver)}
}

// HasNow is Has with every user group read again from Slack, bypassing the cache: an approval
// click is checked against membership as it is at that moment, so that someone removed from an
// approver group cannot approve during the cache's lifetime.
func (a *Authorizer) HasNow(ctx context.Context, user string, role Role) (bool, error) {
	a.mu.Lock()
	for _, id := range a.roleIDs(role) {
		delete(a.cache, id)
	}
	a.mu.Unlock()
	return a.Has(ctx, user, role)
}

// roleIDs are the configured IDs that grant role.
func (a *Authorizer) roleIDs(role Role) []string {
	switch role {
	case Viewer:
		return slices.Concat(a.policy.Viewers, a.policy.Responders, a.policy.Approvers)
	case Responder:
		return a.policy.Responders
	case Approver:
		return a.policy.Approvers
	}
	return nil
}

func (a *Authorizer) member(ctx context.Context, user string, ids []string) (bool, error) {
	if user == "" {
		return false, nil
	}
	if slices.Contains(ids, user) {
		return true, nil
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, "S") {
			continue
		}
		members, err := a.groupMembers(ctx, id)
		if err != nil {
			return false, err
		}
		if slices.Contains(members, user) {
			return true, nil
		}
	}
	return false, nil
}

func (a *Authorizer) groupMembers(ctx context.Context, id string) ([]string, error) {
	now := a.now()
	a.mu.Lock()
	e, ok := a.cache[id]
	a.mu.Unlock()
	if ok && now.Sub(e.at) < a.ttl {
		return e.members, nil
	}
	if a.groups == nil {
		return nil, fmt.Errorf("authorize: user group %s is configured but no group lookup is available", id)
	}
	members, err := a.groups.GroupMembers(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("authorize: members of user group %s: %w", id, err)
	}
	a.mu.Lock()
	a.cache[id] = groupEntry{members: members, at: now}
	a.mu.Unlock()
	return members, nil
}

// fullMember reports whether user is a full member of the workspace: no guest, nobody from
// another organisation. The answer is cached like a user group's membership.
func (a *Authorizer) fullMember(ctx context.Context, user string) (bool, error) {
	if a.accounts == nil {
		return true, nil
	}
	now := a.now()
	a.mu.Lock()
	e, ok := a.seen[user]
	a.mu.Unlock()
	if !ok || now.Sub(e.at) >= a.ttl {
		acc, err := a.accounts.Account(ctx, user)
		if err != nil {
			return false, fmt.Errorf("authorize: account of %s: %w", user, err)
		}
		e = accountEntry{account: acc, at: now}
		a.mu.Lock()
		if len(a.seen) > 10000 {
			clear(a.seen)
		}
		a.seen[user] = e
		a.mu.Unlock()
	}
	return !e.account.Guest && !e.account.External, nil
}
