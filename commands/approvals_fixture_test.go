package commands

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// testClock is an injected clock the tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// sinkFake records mirrored audit entries.
type sinkFake struct {
	mu      sync.Mutex
	entries []AuditEntry
}

func (s *sinkFake) Record(_ context.Context, e AuditEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = append(s.entries, e)
}

func (s *sinkFake) events() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.entries {
		out = append(out, e.Event+" "+e.Actor)
	}
	return out
}

// emails is a UserDirectory from a map.
type emails map[string]string

func (e emails) Email(_ context.Context, user string) (string, error) { return e[user], nil }

// Users of the approval tests: U1 and U5 request; U2, U3 and U5 approve; U4 only looks.
const (
	requester = "U1"
	lead      = "U2"
	lead2     = "U3"
	viewer    = "U4"
	both      = "U5"
)

// apprFixture is the workflow over a seeded MDE fake and the embedded store, with a router.
type apprFixture struct {
	env    *defendertest.Env
	st     *store.Store
	ap     *Approvals
	router *Router
	clock  *testClock
	sink   *sinkFake
	// ff moves the embedded Redis server's TTLs (the execution leases) forward.
	ff func(time.Duration)
}

func newApprFixture(t testing.TB, p ApprovalPolicy) *apprFixture {
	t.Helper()
	return newApprFixtureOpts(t, p, defendertest.Options{Seed: true})
}

// newApprFixtureOpts is newApprFixture over a fake and client set up with opts.
func newApprFixtureOpts(t testing.TB, p ApprovalPolicy, opts defendertest.Options) *apprFixture {
	t.Helper()
	env := defendertest.New(t, opts)
	srv := storetest.Servers(t)[0]
	// The tests move the injected clock by hand, and the store's decisions follow it.
	f := &apprFixture{env: env, st: store.New(srv.Client, srv.Prefix, store.WithCallerClockForTests()), clock: &testClock{t: env.Fake.Now()}, sink: &sinkFake{}, ff: srv.FastForward}
	authz := NewAuthorizer(Policy{Responders: []string{requester, both}, Approvers: []string{lead, lead2, both}}, nil, 0, nil)
	if p.Required == 0 {
		p.Required = 1
	}
	ap, err := NewApprovals(ApprovalsConfig{Store: f.st, MDE: env.Client, Authz: authz, Policy: p, Sink: f.sink,
		Users: emails{requester: "alice@contoso.com"}, PortalURL: testPortal, Owner: "test", Now: f.clock.Now,
		StartGrace: -1})
	if err != nil {
		t.Fatal(err)
	}
	f.ap = ap
	reg, err := Build(Deps{MDE: env.Client, PortalURL: testPortal, Audit: ap, Approvals: ap, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.router = NewRouter(reg, authz, nil, f.clock.Now)
	return f
}

// as runs text as user through the router.
func (f *apprFixture) as(t testing.TB, user, text string) Response {
	t.Helper()
	return f.router.Handle(t.Context(), Request{Ref: testRef, UserID: user, ChannelID: "C0SOC", Text: text})
}

// request runs text as user and returns the new request, failing unless it made a card.
func (f *apprFixture) request(t testing.TB, user, text string) Approval {
	t.Helper()
	resp := f.as(t, user, text)
	if resp.Approval == nil {
		t.Fatalf("%q made no request: %q", text, resp.Text)
	}
	ap := resp.Approval.Approval
	if err := f.ap.SetCard(t.Context(), ap.ID, "C0APPROVALS", "1.000"+ap.ID[4:]); err != nil {
		t.Fatal(err)
	}
	return ap
}

func (f *apprFixture) card(id string) CardRef {
	return CardRef{Channel: "C0APPROVALS", TS: "1.000" + id[4:]}
}

// posts are the MDE POST and DELETE requests the fake received on path containing part.
func (f *apprFixture) posts(part string) []mdefake.Request {
	var out []mdefake.Request
	for _, r := range f.env.Fake.Requests() {
		if (r.Method == "POST" || r.Method == "DELETE" || r.Method == "PATCH") && strings.Contains(strings.ToLower(r.Path), strings.ToLower(part)) {
			out = append(out, r)
		}
	}
	return out
}

// comment reads the Comment of an action request body.
func comment(t *testing.T, r mdefake.Request) string {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	s, _ := body["Comment"].(string)
	return s
}
