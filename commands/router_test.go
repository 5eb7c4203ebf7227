package commands

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// groupsFake answers usergroups.users.list from a function and counts the lookups.
type groupsFake struct {
	mu    sync.Mutex
	calls int
	fn    func(id string) ([]string, error)
}

func (g *groupsFake) GroupMembers(_ context.Context, id string) ([]string, error) {
	g.mu.Lock()
	g.calls++
	g.mu.Unlock()
	return g.fn(id)
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// probeRegistry has a viewer verb, a responder verb and a verb that fails, each counting runs.
type probeRegistry struct {
	reg  *Registry
	mu   sync.Mutex
	runs map[string]int
}

func newProbeRegistry(t *testing.T) *probeRegistry {
	t.Helper()
	p := &probeRegistry{reg: NewRegistry(), runs: map[string]int{}}
	mk := func(name string, role Role, err error) *Verb {
		return &Verb{Name: name, Usage: "", Summary: name, Role: role, Run: func(context.Context, *Call) (Response, error) {
			p.mu.Lock()
			p.runs[name]++
			p.mu.Unlock()
			return Response{Text: name + " ran"}, err
		}}
	}
	if err := p.reg.Add(helpVerb(p.reg), mk("look", Viewer, nil), mk("act", Responder, nil),
		mk("boom", Viewer, errors.New("store: HGETALL mdebot:approval:42: connection reset"))); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *probeRegistry) ran(name string) int { p.mu.Lock(); defer p.mu.Unlock(); return p.runs[name] }

func TestRouterUnknownVerb(t *testing.T) {
	t.Parallel()
	reg, err := Build(Deps{})
	if err != nil {
		t.Fatal(err)
	}
	rt := NewRouter(reg, NewAuthorizer(Policy{}, nil, 0, nil), nil, nil)
	tests := []struct{ text, want string }{
		{"alrets", "There is no command `alrets`. Did you mean `alerts`? Type `help` for the list of commands."},
		{"machnies web", "There is no command `machnies`. Did you mean `machines`? Type `help` for the list of commands."},
		{"isolat web01", "There is no command `isolat`. Type `help` for the list of commands."},
		{"xyzzy", "There is no command `xyzzy`. Type `help` for the list of commands."},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			if got := rt.Handle(t.Context(), Request{Ref: "r1", UserID: "U1", Text: tt.text}).Text; got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRouterRefusesRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rt := NewRouter(f.reg, NewAuthorizer(Policy{Responders: []string{"U2"}}, nil, 0, nil), nil, nil)
	resp := rt.Handle(t.Context(), Request{Ref: "r1", UserID: "U1", Text: "hunt DeviceInfo | take 1"})
	if want := "You are not allowed to run `hunt`: it needs the responder role. Ask the bot's administrator if you should have it."; resp.Text != want {
		t.Errorf("got %q", resp.Text)
	}
	if n := len(f.apiRequests()); n != 0 {
		t.Errorf("a refused hunt made %d MDE requests", n)
	}
	// A viewer may still read.
	resp = rt.Handle(t.Context(), Request{Ref: "r2", UserID: "U1", Text: "machines web"})
	if _, ok := resp.View.(MachineListView); !ok {
		t.Errorf("viewer read: %q", resp.Text)
	}
	// The responder may hunt.
	resp = rt.Handle(t.Context(), Request{Ref: "r3", UserID: "U2", Text: "hunt DeviceInfo | take 1"})
	if _, ok := resp.View.(HuntView); !ok {
		t.Errorf("responder hunt: %q", resp.Text)
	}
}

func TestRouterInternalErrorIsLogged(t *testing.T) {
	t.Parallel()
	p := newProbeRegistry(t)
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	rt := NewRouter(p.reg, NewAuthorizer(Policy{}, nil, 0, nil), log, nil)
	resp := rt.Handle(t.Context(), Request{Ref: "ref42", UserID: "U1", ChannelID: "C9", Text: "boom"})
	if want := "Something went wrong on our side. (ref ref42)"; resp.Text != want {
		t.Errorf("got %q, want %q", resp.Text, want)
	}
	if strings.Contains(resp.Text, "connection reset") {
		t.Error("the internal error leaked to the user")
	}
	logged := buf.String()
	for _, want := range []string{"level=ERROR", `msg="command failed"`, "ref=ref42", "verb=boom", "user=U1", "connection reset"} {
		if !strings.Contains(logged, want) {
			t.Errorf("log lacks %q:\n%s", want, logged)
		}
	}
	// A user error is not an internal error: shown, logged at info, no ref.
	buf.Reset()
	f := newFixture(t)
	rt = NewRouter(f.reg, NewAuthorizer(Policy{}, nil, 0, nil), log, nil)
	resp = rt.Handle(t.Context(), Request{Ref: "ref43", UserID: "U1", Text: "alerts severity=Critical"})
	if !strings.HasPrefix(resp.Text, "`severity` must be one of") || strings.Contains(resp.Text, "ref43") {
		t.Errorf("user error shown as %q", resp.Text)
	}
	if !strings.Contains(buf.String(), "level=INFO") || strings.Contains(buf.String(), "level=ERROR") {
		t.Errorf("user error logged as:\n%s", buf.String())
	}
}

func TestRouterGroupRoles(t *testing.T) {
	t.Parallel()
	p := newProbeRegistry(t)
	groups := &groupsFake{fn: func(id string) ([]string, error) {
		if id == "S1" {
			return []string{"U1"}, nil
		}
		return nil, nil
	}}
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	authz := NewAuthorizer(Policy{Viewers: []string{"S1", "U3"}, Responders: []string{"S1"}}, groups, time.Minute, clk.now)
	rt := NewRouter(p.reg, authz, nil, nil)
	handle := func(user, text string) string {
		return rt.Handle(t.Context(), Request{Ref: "r", UserID: user, Text: text}).Text
	}
	const refusedAct = "You are not allowed to run `act`: it needs the responder role. Ask the bot's administrator if you should have it."
	steps := []struct {
		name, user, text, want string
		lookups                int
	}{
		{"group member may act", "U1", "act", "act ran", 1},
		{"cached within the TTL", "U1", "act", "act ran", 1},
		{"listed viewer may look (S1 is cached for both roles)", "U3", "look", "look ran", 1},
		{"listed viewer may not act", "U3", "act", refusedAct, 1},
		{"stranger may not look", "U9", "look", "You are not allowed to run `look`: it needs the viewer role. Ask the bot's administrator if you should have it.", 1},
	}
	for _, s := range steps {
		if got := handle(s.user, s.text); got != s.want {
			t.Errorf("%s: got %q, want %q", s.name, got, s.want)
		}
		if groups.calls != s.lookups {
			t.Errorf("%s: %d group lookups, want %d", s.name, groups.calls, s.lookups)
		}
	}
	// U1 leaves the group: the cache still says member until the TTL passes.
	groups.fn = func(string) ([]string, error) { return []string{"U2"}, nil }
	clk.advance(30 * time.Second)
	if got := handle("U1", "act"); got != "act ran" {
		t.Errorf("within the TTL: %q", got)
	}
	clk.advance(31 * time.Second)
	if got := handle("U1", "act"); got != refusedAct {
		t.Errorf("after the TTL: %q", got)
	}
	// Slack cannot answer: nothing runs.
	before := p.ran("act") + p.ran("look")
	clk.advance(2 * time.Minute)
	groups.fn = func(string) ([]string, error) { return nil, errors.New("slack: ratelimited") }
	for _, text := range []string{"act", "look"} {
		got := handle("U1", text)
		if want := "Your permissions could not be checked right now (Slack did not answer), so nothing was done. Try again in a minute. (ref r)"; got != want {
			t.Errorf("lookup error, %s: %q", text, got)
		}
	}
	if after := p.ran("act") + p.ran("look"); after != before {
		t.Errorf("%d verbs ran while roles could not be checked", after-before)
	}
}

func TestRouterHelpListsVisibleVerbs(t *testing.T) {
	t.Parallel()
	reg, err := Build(Deps{})
	if err != nil {
		t.Fatal(err)
	}
	rt := NewRouter(reg, NewAuthorizer(Policy{}, nil, 0, nil), nil, nil)
	resp := rt.Handle(t.Context(), Request{UserID: "U1", Text: ""})
	view := resp.View.(HelpView)
	var names []string
	for _, v := range view.Verbs {
		names = append(names, v.Name)
	}
	want := []string{"action", "actions", "alert", "alerts", "domain", "file", "help", "indicators", "ip", "machine", "machines", "status", "user"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("verbs a viewer sees (-want +got):\n%s", diff)
	}
}

// TestVerbHelp checks that every verb explains itself: usage, a summary, and an example.
func TestVerbHelp(t *testing.T) {
	t.Parallel()
	reg, err := Build(Deps{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range reg.Verbs() {
		if v.Summary == "" || v.Approval {
			t.Errorf("%s: summary %q approval %v", v.Name, v.Summary, v.Approval)
		}
		if v.Name == "help" {
			continue
		}
		if len(v.Details) == 0 || !strings.HasPrefix(v.Details[len(v.Details)-1], "Example: `"+v.Name) {
			t.Errorf("%s: no example in %q", v.Name, v.Details)
		}
		wantRole := Viewer
		if v.Name == "hunt" || v.Name == "audit" {
			wantRole = Responder
		}
		if v.Role != wantRole {
			t.Errorf("%s: role %v, want %v", v.Name, v.Role, wantRole)
		}
	}
}

// TestRouterVerbTimeout checks that a verb's own timeout replaces the default (hunting may run
// for 200 s in MDE).
func TestRouterVerbTimeout(t *testing.T) {
	t.Parallel()
	reg := NewRegistry()
	var got []time.Duration
	mk := func(name string, timeout time.Duration) *Verb {
		return &Verb{Name: name, Summary: name, Role: Viewer, Timeout: timeout, Run: func(ctx context.Context, _ *Call) (Response, error) {
			dl, _ := ctx.Deadline()
			got = append(got, time.Until(dl).Round(time.Minute))
			return Response{Text: "ok"}, nil
		}}
	}
	if err := reg.Add(mk("quick", 0), mk("long", huntTimeout)); err != nil {
		t.Fatal(err)
	}
	rt := NewRouter(reg, NewAuthorizer(Policy{}, nil, 0, nil), nil, nil)
	rt.Handle(t.Context(), Request{UserID: "U1", Text: "quick"})
	rt.Handle(t.Context(), Request{UserID: "U1", Text: "long"})
	if want := []time.Duration{time.Minute, 4 * time.Minute}; !cmp.Equal(got, want) {
		t.Errorf("deadlines %v, want %v", got, want)
	}
}
