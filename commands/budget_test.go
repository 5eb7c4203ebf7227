package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
)

func budgetOf(c *defender.Client, fam defender.Family) defender.BudgetStats {
	for _, b := range c.Limiter().Stats().Budgets {
		if b.Family == fam {
			return b
		}
	}
	return defender.BudgetStats{}
}

// 500 look-ups in one minute, through the real client and its documented limits, never delay
// an approved isolation: its calls come from the share of the budget look-ups cannot take.
func TestLookupsNeverDelayAnApprovedIsolation(t *testing.T) {
	t.Parallel()
	f := newApprFixtureOpts(t, ApprovalPolicy{}, defendertest.Options{Seed: true, Limits: defender.DefaultLimits()})
	ap := f.request(t, both, "isolate laptop-alice.contoso.com beacon to a known C2")
	lookups := 0
	for range 500 {
		// A look-up that would have to wait for the budget gives up at once.
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		if _, err := f.env.Client.ListMachineActions(ctx, defender.ListOptions{Limit: 1}); err == nil {
			lookups++
		}
		cancel()
	}
	if lookups == 0 || lookups > 80 {
		t.Fatalf("%d of 500 look-ups passed; want some, and at most the shared 80 of the minute", lookups)
	}
	before := budgetOf(f.env.Client, defender.MachineActions)
	if o := f.ap.Decide(t.Context(), ap.ID, lead, Approve, "", f.card(ap.ID)); !o.Run {
		t.Fatalf("approve: %+v", o)
	}
	// Far less than the minute the shared budget needs before its next call.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	ex := f.ap.Execute(ctx, ap.ID)
	if ex.Approval.State != ApprovalDone || ex.Approval.ActionID == "" {
		t.Fatalf("execute after 500 look-ups: %+v", ex.Approval)
	}
	after := budgetOf(f.env.Client, defender.MachineActions)
	if after.Delayed != before.Delayed || after.FromRes < before.FromRes+2 {
		t.Fatalf("the isolation waited behind look-ups: delayed %d -> %d, from the reserve %d -> %d", before.Delayed, after.Delayed, before.FromRes, after.FromRes)
	}
	if n := len(f.posts("/isolate")); n != 1 {
		t.Fatalf("%d isolate calls, want one on its first try", n)
	}
}

func TestStatusShowsEachBudget(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true, Limits: defender.DefaultLimits()})
	reg, err := Build(Deps{MDE: env.Client, Hunt: env.Graph, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	resp := NewRouter(reg, NewAuthorizer(Policy{Viewers: []string{"U9"}}, nil, 0, nil), nil, nil).
		Handle(t.Context(), Request{Ref: testRef, UserID: "U9", ChannelID: "C1", Text: "status"})
	v, ok := resp.View.(StatusView)
	if !ok {
		t.Fatalf("status: %q", resp.Text)
	}
	var lines []string
	for _, c := range v.Checks {
		lines = append(lines, c.Name+": "+c.Detail)
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{
		"MDE budget: machines: 100/min, 1500/h (20/min reserved for approved actions)",
		"MDE budget: alerts:", "MDE budget: machine actions:", "MDE budget: indicators:",
		"MDE budget: files/ips/domains/users:", "MDE budget: hunting: 45/min, 1500/h (9/min reserved",
		"MDE budget: package URI: 2/min, 120/h;", "Graph budget: hunting: 45/min",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("status lacks %q:\n%s", want, all)
		}
	}
}

// BenchmarkMDECalls reports how many MDE calls one device card, one alert poll page and one
// approved isolation cost (mde-calls/op), the numbers that size the budgets.
func BenchmarkMDECalls(b *testing.B) {
	f := newApprFixtureOpts(b, ApprovalPolicy{}, defendertest.Options{Seed: true, Fake: mdefake.Options{NoQuota: true}})
	count := func() int {
		n := 0
		for _, r := range f.env.Fake.Requests() {
			if strings.HasPrefix(r.Path, "/api/") {
				n++
			}
		}
		return n
	}
	run := func(b *testing.B, op func(b *testing.B)) {
		start := count()
		for b.Loop() {
			op(b)
		}
		b.ReportMetric(float64(count()-start)/float64(b.N), "mde-calls/op")
	}
	b.Run("device card", func(b *testing.B) {
		run(b, func(b *testing.B) {
			if r := f.as(b, viewer, "machine "+mdefake.DemoAlice); r.View == nil {
				b.Fatalf("machine: %q", r.Text)
			}
		})
	})
	b.Run("alert poll page", func(b *testing.B) {
		run(b, func(b *testing.B) {
			opts := defender.AlertListOptions{ListOptions: defender.ListOptions{PageSize: 100, Limit: 100,
				Filter: defender.Ge("lastUpdateTime", f.env.Fake.Now().Add(-24*time.Hour))}, WithEvidence: true}
			if _, err := f.env.Client.ListAlerts(b.Context(), opts); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("approved isolation", func(b *testing.B) {
		start, execCalls := 0, 0
		for b.Loop() {
			f.env.Fake.SetListLag(0)
			ap := f.request(b, both, "isolate laptop-alice.contoso.com benchmark")
			f.ap.Decide(b.Context(), ap.ID, lead, Approve, "", f.card(ap.ID))
			start = count()
			if ex := f.ap.Execute(b.Context(), ap.ID); ex.Approval.ActionID == "" {
				b.Fatalf("execute: %+v", ex.Approval)
			}
			execCalls += count() - start
			f.env.Fake.Advance(time.Hour) // the isolation finishes, so the next one is new
			if _, err := f.env.Client.Unisolate(b.Context(), mdefake.MachineID(mdefake.DemoAlice), "bench reset"); err != nil {
				b.Fatal(err)
			}
			f.env.Fake.Advance(time.Hour)
		}
		b.ReportMetric(float64(execCalls)/float64(b.N), "mde-calls/op")
	})
}
