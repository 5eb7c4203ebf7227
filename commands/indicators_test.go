package commands

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdebot/mdebot/defender/mdefake"
)

func indicatorValues(v IndicatorListView) []string {
	var out []string
	for _, i := range v.Indicators {
		out = append(out, i.IndicatorValue)
	}
	return out
}

func TestIndicators(t *testing.T) {
	t.Parallel()
	mimikatz := mdefake.FakeSHA256("mimikatz.exe")
	tests := []struct {
		name, text, wantTitle, filter string
		want                          []string
	}{
		{name: "all", text: "indicators", wantTitle: "Custom indicators",
			want: []string{mimikatz, "198.51.100.23", "malicious-cdn.example.net"}},
		{name: "type and action", text: "indicators type=domain action=block", wantTitle: "Custom indicators, type DomainName, action Block",
			filter: "(indicatorType eq 'DomainName') and (action eq 'Block')", want: []string{"malicious-cdn.example.net"}},
		{name: "MDE type name", text: "indicators type=FileSha256", wantTitle: "Custom indicators, type FileSha256",
			filter: "indicatorType eq 'FileSha256'", want: []string{mimikatz}},
		{name: "value", text: "indicators value=198.51.100.23", wantTitle: "Custom indicators, value 198.51.100.23",
			filter: "indicatorValue eq '198.51.100.23'", want: []string{"198.51.100.23"}},
		{name: "autolinked domain, any case", text: "indicators value=<http://MALICIOUS-CDN.example.net|MALICIOUS-CDN.example.net>",
			wantTitle: "Custom indicators, value malicious-cdn.example.net",
			filter:    "indicatorValue eq 'malicious-cdn.example.net'", want: []string{"malicious-cdn.example.net"}},
		{name: "hash in upper case", text: "indicators type=sha256 value=" + strings.ToUpper(mimikatz),
			wantTitle: "Custom indicators, type FileSha256, value " + mimikatz,
			filter:    "(indicatorType eq 'FileSha256') and (indicatorValue eq '" + mimikatz + "')", want: []string{mimikatz}},
		{name: "url without scheme", text: "indicators type=url value=evil.example.com/a",
			wantTitle: "Custom indicators, type Url, value evil.example.com/a",
			filter:    "(indicatorType eq 'Url') and (indicatorValue eq 'evil.example.com/a')"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			resp := f.mustRun(t, tt.text, 0)
			view, ok := resp.View.(IndicatorListView)
			if !ok {
				t.Fatalf("view is %T", resp.View)
			}
			if view.Title != tt.wantTitle || view.More != nil {
				t.Errorf("title %q more %v", view.Title, view.More)
			}
			if diff := cmp.Diff(tt.want, indicatorValues(view)); diff != "" {
				t.Errorf("indicators (-want +got):\n%s", diff)
			}
			want := []sent{{Method: "GET", Path: "/api/indicators", Filter: tt.filter, Top: "11"}}
			if diff := cmp.Diff(want, f.sent()); diff != "" {
				t.Errorf("MDE requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIndicatorsPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i := range 10 {
		f.env.Fake.AddIndicator(mdefake.Indicator{IndicatorValue: fmt.Sprintf("bad%02d.example.com", i), IndicatorType: "DomainName",
			Action: "Block", Title: "t", Description: "d"})
	}
	const text = "indicators"
	first := f.mustRun(t, text, 0).View.(IndicatorListView)
	if len(first.Indicators) != 10 || first.More == nil || *first.More != (More{Command: text, Offset: 10}) {
		t.Fatalf("first page: %d, more %+v", len(first.Indicators), first.More)
	}
	second := f.mustRun(t, text, 10).View.(IndicatorListView)
	if diff := cmp.Diff([]string{"bad07.example.com", "bad08.example.com", "bad09.example.com"}, indicatorValues(second)); diff != "" || second.More != nil {
		t.Errorf("second page (-want +got):\n%s more %v", diff, second.More)
	}
	if s := f.sent(); len(s) != 2 || s[1].Skip != "10" || s[1].Top != "11" {
		t.Errorf("MDE requests = %+v", s)
	}
}
