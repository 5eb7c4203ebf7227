package defender

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestFilterBuilder(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 1, 10, 0, 0, 500000000, time.FixedZone("x", 3600))
	cases := []struct {
		f    Filter
		want string
	}{
		{Eq("status", "New"), "status eq 'New'"},
		{Ne("healthStatus", "Active"), "healthStatus ne 'Active'"},
		{Gt("lastUpdateTime", at), "lastUpdateTime gt 2026-11-01T09:00:00.5Z"},
		{Ge("osBuild", 19042), "osBuild ge 19042"},
		{Lt("x", int64(-1)), "x lt -1"},
		{Le("generateAlert", true), "generateAlert le true"},
		{Eq("severity", SeverityHigh), "severity eq 'High'"},
		{Eq("title", "it's"), "title eq 'it''s'"},
		{StartsWith("computerDnsName", "a'b"), "startswith(computerDnsName,'a''b')"},
		{And(Eq("a", "1"), Filter{}, Or(Eq("b", "2"), Eq("c", "3"))), "(a eq '1') and ((b eq '2') or (c eq '3'))"},
		{And(Eq("a", "1")), "a eq '1'"},
		{And(), ""},
		{In("status", "Pending", "InProgress"), "(status eq 'Pending') or (status eq 'InProgress')"},
		{In[string]("status"), ""},
	}
	for _, tc := range cases {
		if tc.f.Err() != nil || tc.f.String() != tc.want {
			t.Errorf("got %q (err %v), want %q", tc.f.String(), tc.f.Err(), tc.want)
		}
	}
	for _, bad := range []Filter{Eq("", "x"), Eq("a b", "x"), Eq("a'", "x"), StartsWith("f(x)", "y"), Eq("a", struct{}{}), And(Eq("ok", 1), Eq("no pe", 1))} {
		if bad.Err() == nil {
			t.Errorf("accepted %q", bad.String())
		}
	}
}

// FuzzFilterValue checks that no value can escape its string literal: after the builder quotes
// it, the literal is exactly one OData string (every quote inside is doubled).
func FuzzFilterValue(f *testing.F) {
	for _, s := range []string{"", "x", "'", "''", "x' or 1 eq 1 or 'a", "a\x00b", "Ω", "')--", "\\'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		fl := And(Eq("computerDnsName", v), StartsWith("title", v))
		if fl.Err() != nil {
			t.Fatal(fl.Err())
		}
		lit := QuoteString(v)
		if got := unquoteLiteral(t, lit); got != v {
			t.Fatalf("literal %q reads back as %q", lit, got)
		}
		want := "(computerDnsName eq " + lit + ") and (startswith(title," + lit + "))"
		if fl.String() != want {
			t.Fatalf("filter %q, want %q", fl.String(), want)
		}
	})
}

// unquoteLiteral reads one OData string literal that must span the whole input.
func unquoteLiteral(t *testing.T, s string) string {
	t.Helper()
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
		t.Fatalf("not a literal: %q", s)
	}
	var b strings.Builder
	body := s[1 : len(s)-1]
	for i := 0; i < len(body); i++ {
		if body[i] == '\'' {
			if i+1 >= len(body) || body[i+1] != '\'' {
				t.Fatalf("literal %q ends early at %d", s, i)
			}
			i++
		}
		b.WriteByte(body[i])
	}
	return b.String()
}

// FuzzFilterProperty checks that the property-name check lets through nothing but identifiers.
func FuzzFilterProperty(f *testing.F) {
	for _, s := range []string{"status", "a b", "x)", "", "é", "lastUpdateTime"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		fl := Eq(p, "v")
		if fl.Err() != nil {
			return
		}
		for _, r := range p {
			if !(r == '_' || r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')) {
				t.Fatalf("property %q accepted", p)
			}
		}
	})
}
