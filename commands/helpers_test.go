package commands

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
)

const (
	testRef    = "testref"
	testPortal = "https://security.microsoft.com"
)

// fixture is a seeded MDE fake with the read-only verbs wired to a real client for it.
type fixture struct {
	env  *defendertest.Env
	deps Deps
	reg  *Registry
	now  time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	now := env.Fake.Now()
	d := Deps{MDE: env.Client, PortalURL: testPortal, Version: "v-test", Now: func() time.Time { return now }, TempDir: t.TempDir()}
	reg, err := Build(d)
	if err != nil {
		t.Fatalf("ReadOnly: %v", err)
	}
	return &fixture{env: env, deps: d, reg: reg, now: now}
}

// run runs text with every role, as the router would after the role check.
func (f *fixture) run(t *testing.T, text string, offset int) (Response, error) {
	t.Helper()
	return runText(t, f.reg, text, offset, f.now)
}

// runText parses text the way Router.Handle does and runs its verb.
func runText(t *testing.T, reg *Registry, text string, offset int, now time.Time) (Response, error) {
	t.Helper()
	toks, err := Tokens(text)
	if err != nil {
		return Response{}, err
	}
	if len(toks) == 0 {
		t.Fatalf("runText(%q): no verb", text)
	}
	v, ok := reg.Lookup(toks[0].Text)
	if !ok {
		t.Fatalf("runText(%q): unknown verb", text)
	}
	c := &Call{
		Request: Request{Ref: testRef, UserID: "U1", ChannelID: "C1", Text: text, Offset: offset},
		Verb:    v,
		Args:    toks[1:],
		Roles:   Roles{Viewer: true, Responder: true, Approver: true},
		Now:     now,
	}
	if c.Rest, err = Unescape(strings.TrimSpace(text[toks[0].End:])); err != nil {
		return Response{}, err
	}
	return v.Run(t.Context(), c)
}

// mustRun runs text and fails the test on an error.
func (f *fixture) mustRun(t *testing.T, text string, offset int) Response {
	t.Helper()
	resp, err := f.run(t, text, offset)
	if err != nil {
		t.Fatalf("%q: %v (message %q)", text, err, ErrorMessage(err, testRef))
	}
	return resp
}

// apiRequests are the MDE API requests the fake received (token requests left out).
func (f *fixture) apiRequests() []mdefake.Request {
	var out []mdefake.Request
	for _, r := range f.env.Fake.Requests() {
		if strings.HasPrefix(r.Path, "/api/") {
			out = append(out, r)
		}
	}
	return out
}

// sent is one MDE request in short: method, path and the query options tests look at.
type sent struct {
	Method, Path, Filter, Top, Skip string
}

func (f *fixture) sent() []sent {
	var out []sent
	for _, r := range f.apiRequests() {
		q, _ := url.ParseQuery(r.RawQuery)
		out = append(out, sent{Method: r.Method, Path: r.Path, Filter: q.Get("$filter"), Top: q.Get("$top"), Skip: q.Get("$skip")})
	}
	return out
}

// wantUsageError checks that err is a bad-argument *UserError carrying the verb's usage and
// that the user sees exactly msg followed by the usage line.
func wantUsageError(t *testing.T, reg *Registry, verb string, err error, msg string) {
	t.Helper()
	var ue *UserError
	if !errors.As(err, &ue) {
		t.Fatalf("error = %v (%T), want a *UserError %q", err, err, msg)
	}
	v, _ := reg.Lookup(verb)
	if ue.Kind != BadArgument || ue.Usage != v.UsageLine() && ue.Usage != v.Name+" "+v.Usage {
		t.Errorf("UserError kind %d usage %q, want BadArgument with usage %q", ue.Kind, ue.Usage, v.UsageLine())
	}
	want := msg + "\nUsage: " + v.UsageLine()
	if got := ErrorMessage(err, testRef); got != want {
		t.Errorf("message:\n got %q\nwant %q", got, want)
	}
}

// rfc is how a filter writes a time.
func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func machineID(name string) string { return mdefake.MachineID(name) }
