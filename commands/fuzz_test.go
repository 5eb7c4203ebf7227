package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// FuzzRouter feeds arbitrary command text and page offsets through the whole router, with every
// read-only verb wired to the MDE fake: nothing may panic, and every request gets an answer.
// The seed corpus is in testdata/fuzz/FuzzRouter.
func FuzzRouter(f *testing.F) {
	env := defendertest.New(f, defendertest.Options{Seed: true})
	d := Deps{MDE: env.Client, PortalURL: testPortal, Version: "fuzz", Audit: &auditFake{fn: trail(15)},
		Probes: []Probe{{Name: "noop"}}}
	reg, err := Build(d)
	if err != nil {
		f.Fatal(err)
	}
	rt := NewRouter(reg, NewAuthorizer(Policy{Responders: []string{"U1"}}, nil, 0, nil), nil, nil)
	rt.timeout = 10 * time.Second
	for _, s := range []string{"", "help alerts", "alerts severity=High since=7d", "machines web", "file " + strings.Repeat("a", 40)} {
		f.Add(s, 0)
	}
	f.Fuzz(func(t *testing.T, text string, offset int) {
		resp := rt.Handle(t.Context(), Request{Ref: "fuzz", UserID: "U1", ChannelID: "C1", Text: text, Offset: offset})
		if resp.Text == "" && resp.View == nil {
			t.Errorf("Handle(%q, %d) gave an empty response", text, offset)
		}
	})
}

// FuzzResponseVerbs feeds arbitrary command text from a responder through the verbs that change
// things (requests, cancels, alert updates, mutes), which FuzzRouter does not register, with the
// approval workflow over the MDE fake and the embedded store: nothing may panic, and every
// request gets an answer. The seed corpus is in testdata/fuzz/FuzzResponseVerbs.
func FuzzResponseVerbs(f *testing.F) {
	env := defendertest.New(f, defendertest.Options{Seed: true})
	srv := storetest.Servers(f)[0]
	st := store.New(srv.Client, srv.Prefix)
	clock := &testClock{t: env.Fake.Now()}
	authz := NewAuthorizer(Policy{Responders: []string{requester}, Approvers: []string{lead}}, nil, 0, nil)
	ap, err := NewApprovals(ApprovalsConfig{Store: st, MDE: env.Client, Authz: authz, Policy: ApprovalPolicy{Required: 1},
		Users: emails{requester: "alice@contoso.com"}, PortalURL: testPortal, Owner: "fuzz", Now: clock.Now})
	if err != nil {
		f.Fatal(err)
	}
	reg, err := Build(Deps{MDE: env.Client, PortalURL: testPortal, Audit: ap, Approvals: ap, Mutes: st, Now: clock.Now})
	if err != nil {
		f.Fatal(err)
	}
	rt := NewRouter(reg, authz, nil, clock.Now)
	rt.timeout = 10 * time.Second
	f.Fuzz(func(t *testing.T, text string) {
		resp := rt.Handle(t.Context(), Request{Ref: "fuzz", UserID: requester, ChannelID: "C1", Text: text})
		if resp.Text == "" && resp.View == nil {
			t.Errorf("Handle(%q) gave an empty response", text)
		}
	})
}
