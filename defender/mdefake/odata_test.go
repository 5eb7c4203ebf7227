package mdefake

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseFilterSyntax(t *testing.T) {
	t.Parallel()
	valid := []string{
		"status eq 'New'",
		"Status EQ 'New'",
		"lastUpdateTime ge 2026-11-01T00:00:00Z",
		"lastSeen gt 2018-08-01Z",
		"lastUpdateTime ge 2026-11-01T00:00:00.1234567Z and severity eq 'High'",
		"startswith(computerDnsName,'web01')",
		"(status eq 'New' or status eq 'InProgress') and severity ne 'Low'",
		"not (status eq 'Resolved')",
		"title eq 'it''s'",
		"incidentId eq 101",
		"riskScore eq -1.5",
		"generateAlert eq true",
		"resolvedTime eq null",
		"'New' eq status",
		"2026-11-01T00:00:00Z le lastUpdateTime",
	}
	for _, s := range valid {
		if _, err := parseFilter(s); err != nil {
			t.Errorf("parseFilter(%q): %v", s, err)
		}
	}
	invalid := []string{
		"", "status", "status eq", "eq 'x'", "status eq 'New", "status like 'x'", "status eq 'a' and",
		"(status eq 'a'", "status eq 'a')", "startswith(status)", "startswith('x',status)", "contains(status,'x')",
		"status eq 'a' 'b'", "a eq b", "'a' eq 'b'", "lastSeen gt 2026-13-45Z", "x eq 12abc", "status eq #",
		"not", "((((((((((((((((((((((((((((((((((((status eq 'a'))))))))))))))))))))))))))))))))))",
	}
	for _, s := range invalid {
		if _, err := parseFilter(s); !errors.Is(err, errFilterSyntax) {
			t.Errorf("parseFilter(%q) = %v, want a syntax error", s, err)
		}
	}
}

func TestParseFilterTree(t *testing.T) {
	t.Parallel()
	got, err := parseFilter("a eq 'x' or b eq 'y' and not c eq 'it''s'")
	if err != nil {
		t.Fatal(err)
	}
	lit := func(s string) literal { return literal{kind: litString, s: s} }
	want := logicalExpr{op: "or",
		left: compareExpr{prop: "a", op: "eq", lit: lit("x")},
		right: logicalExpr{op: "and",
			left:  compareExpr{prop: "b", op: "eq", lit: lit("y")},
			right: notExpr{x: compareExpr{prop: "c", op: "eq", lit: lit("it's")}}}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(logicalExpr{}, notExpr{}, compareExpr{}, literal{})); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
	flippedTree, err := parseFilter("2026-01-01Z lt lastSeen")
	if err != nil {
		t.Fatal(err)
	}
	if c := flippedTree.(compareExpr); c.prop != "lastSeen" || c.op != "gt" {
		t.Errorf("flipped comparison = %+v", c)
	}
}

func TestFilterEvaluation(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	inc := func(n int64) *int64 { return &n }
	alerts := []Alert{
		{ID: "a1", Status: "New", Severity: "High", LastUpdateTime: day(1), IncidentID: inc(7), AssignedTo: "Ann@contoso.com"},
		{ID: "a2", Status: "InProgress", Severity: "Low", LastUpdateTime: day(2)},
		{ID: "a3", Status: "Resolved", Severity: "Medium", LastUpdateTime: day(3), IncidentID: inc(7)},
	}
	tests := []struct {
		filter string
		want   []string
	}{
		{"status eq 'new'", []string{"a1"}},
		{"status ne 'Resolved'", []string{"a1", "a2"}},
		{"lastUpdateTime ge 2026-11-02T00:00:00Z", []string{"a2", "a3"}},
		{"lastUpdateTime gt 2026-11-02Z", []string{"a3"}},
		{"lastUpdateTime lt 2026-11-02Z or severity eq 'Medium'", []string{"a1", "a3"}},
		{"(status eq 'New' or status eq 'InProgress') and severity eq 'Low'", []string{"a2"}},
		{"status eq 'New' or status eq 'InProgress' and severity eq 'Low'", []string{"a1", "a2"}},
		{"incidentId eq 7", []string{"a1", "a3"}},
		{"incidentId eq null", []string{"a2"}},
		{"startswith(assignedTo,'ann')", []string{"a1"}},
		{"not (incidentId eq 7)", []string{"a2"}},
		{"ID eq 'a2'", []string{"a2"}},
	}
	for _, tt := range tests {
		keep, err := compileFilter(tt.filter, alertFields())
		if err != nil {
			t.Errorf("%q: %v", tt.filter, err)
			continue
		}
		var got []string
		for i := range alerts {
			if keep(&alerts[i]) {
				got = append(got, alerts[i].ID)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q matched %v, want %v", tt.filter, got, tt.want)
		}
	}
	for _, bad := range []string{
		"title eq 'x'",                      // not filterable on alerts
		"lastUpdateTime ge '2026-11-01'",    // datetimes are unquoted
		"status eq 1",                       // enum compared with a number
		"incidentId eq '7'",                 // number compared with a string
		"startswith(lastUpdateTime,'2026')", // startswith on a date
		"status gt null",                    // null only with eq/ne
	} {
		if _, err := compileFilter(bad, alertFields()); err == nil {
			t.Errorf("%q compiled, want an error", bad)
		}
	}
	keep, err := compileFilter("machineTags eq 'TIER0'", machineFields())
	if err != nil || !keep(&Machine{MachineTags: []string{"x", "tier0"}}) || keep(&Machine{}) {
		t.Errorf("machineTags eq: err %v", err)
	}
	if _, err := compileFilter("machineTags gt 'a'", machineFields()); err == nil {
		t.Error("ordering a list property compiled")
	}
}

func TestOrderBy(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	alerts := []Alert{{ID: "b", LastUpdateTime: day(2)}, {ID: "a", LastUpdateTime: day(2)}, {ID: "c", LastUpdateTime: day(1)}}
	order, err := compileOrderBy("lastUpdateTime desc, id", alertFields())
	if err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(alerts, func(x, y Alert) int { return order(&x, &y) })
	var got []string
	for _, a := range alerts {
		got = append(got, a.ID)
	}
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("order %v", got)
	}
	for _, bad := range []string{"title", "id sideways", "", "id asc desc"} {
		if _, err := compileOrderBy(bad, alertFields()); err == nil {
			t.Errorf("$orderby %q compiled", bad)
		}
	}
}

// FuzzParseFilter checks that no input makes the parser or the binder panic, and that whatever
// parses also binds or fails cleanly against a collection's properties.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"status eq 'New'", "startswith(computerDnsName,'web')", "(a eq 1 or b ne 'x') and not c le 2026-11-01Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseFilter(s)
		if err != nil {
			if !errors.Is(err, errFilterSyntax) {
				t.Fatalf("parseFilter(%q) error %v does not wrap errFilterSyntax", s, err)
			}
			return
		}
		if keep, err := bindFilter(e, machineFields()); err == nil {
			keep(&Machine{MachineTags: []string{"a"}})
		}
		if keep, err := compileFilter(s, alertFields()); err == nil {
			keep(&Alert{})
		}
	})
}
