package commands

import (
	"slices"
	"sync"
	"testing"
)

// Approver membership from a user group is read again at every approval click. It used to be
// cached for two minutes, so someone removed from the approver group could still approve.
func TestApprovalClickRereadsApproverGroup(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	members := []string{lead}
	groups := &groupsFake{fn: func(string) ([]string, error) {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(members), nil
	}}
	f := newApprFixture(t, ApprovalPolicy{})
	f.ap.authz = NewAuthorizer(Policy{Approvers: []string{"S0LEADS"}}, groups, 0, f.clock.Now)
	ctx := t.Context()
	if ok, err := f.ap.authz.Has(ctx, lead, Approver); !ok || err != nil {
		t.Fatalf("lead is not an approver: %v %v", ok, err)
	}
	mu.Lock()
	members = nil // lead leaves the group
	mu.Unlock()
	ap := f.request(t, requester, "isolate laptop-alice.contoso.com beaconing")
	o := f.ap.Decide(ctx, ap.ID, lead, Approve, "", f.card(ap.ID))
	if o.Run || o.Changed || o.Refusal == "" {
		t.Fatalf("a removed approver's click: %+v", o)
	}
	mu.Lock()
	members = []string{lead}
	mu.Unlock()
	if o := f.ap.Decide(ctx, ap.ID, lead, Approve, "", f.card(ap.ID)); !o.Run {
		t.Fatalf("an approver added back is refused: %+v", o)
	}
}
