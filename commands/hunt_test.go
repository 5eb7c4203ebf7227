package commands

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdebot/mdebot/defender/mdefake"
)

func TestHuntQueryText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, want string
	}{
		{"plain", "hunt DeviceProcessEvents | take 10", "DeviceProcessEvents | take 10"},
		{"slack entities", `hunt DeviceInfo | where Timestamp &gt; ago(1d) and DeviceName &lt;&gt; "x" and A &amp;&amp; B`,
			`DeviceInfo | where Timestamp > ago(1d) and DeviceName <> "x" and A && B`},
		{"autolinked domain", `hunt DeviceNetworkEvents | where RemoteUrl has "<http://evil.com|evil.com>"`,
			`DeviceNetworkEvents | where RemoteUrl has "evil.com"`},
		{"code block and smart quotes", "hunt ```DeviceInfo\n| where DeviceName == “web01” and X == ‘y’```",
			"DeviceInfo\n| where DeviceName == \"web01\" and X == 'y'"},
		{"code span", "hunt `DeviceInfo | take 1`", "DeviceInfo | take 1"},
		{"broadcast is text", "hunt DeviceInfo | where X == '<!channel>'", "DeviceInfo | where X == '@channel'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			resp := f.mustRun(t, tt.text, 0)
			view, ok := resp.View.(HuntView)
			if !ok {
				t.Fatalf("view is %T", resp.View)
			}
			if view.Query != tt.want || view.TotalRows != 6 || len(view.Result.Results) != 6 || resp.File == nil {
				t.Errorf("view: query %q, %d of %d rows, file %v", view.Query, len(view.Result.Results), view.TotalRows, resp.File != nil)
			}
			reqs := f.apiRequests()
			if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/api/advancedqueries/run" {
				t.Fatalf("requests = %+v", reqs)
			}
			var body struct{ Query string }
			if err := json.Unmarshal(reqs[0].Body, &body); err != nil || body.Query != tt.want {
				t.Errorf("query sent = %q (%v), want %q", body.Query, err, tt.want)
			}
		})
	}
}

func TestHuntCSV(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.env.Fake.SetHunting(func(string) ([]mdefake.HuntingColumn, []map[string]any, error) {
		schema := []mdefake.HuntingColumn{{Name: "Row", Type: "Int"}, {Name: "Text", Type: "String"}, {Name: "=Name", Type: "String"}}
		var rows []map[string]any
		texts := []string{`=HYPERLINK("http://evil")`, "+1", "-2", "@SUM(A1)", "\tx", "\rx", `a "quoted", text`, "line\nbreak", "ok"}
		for i := range 25 {
			rows = append(rows, map[string]any{"Row": -i, "Text": texts[i%len(texts)], "=Name": nil})
		}
		return schema, rows, nil
	})
	resp := f.mustRun(t, "hunt DeviceInfo", 0)
	view := resp.View.(HuntView)
	if view.TotalRows != 25 || len(view.Result.Results) != huntInlineRows {
		t.Errorf("view has %d of %d rows", len(view.Result.Results), view.TotalRows)
	}
	if resp.File == nil {
		t.Fatal("no CSV attached")
	}
	if resp.File.Name != "hunt-testref.csv" || resp.File.Title != "Hunting result (25 rows)" {
		t.Errorf("file %q %q", resp.File.Name, resp.File.Title)
	}
	content := readFile(t, resp.File)
	lines := strings.SplitAfter(content, "\n")
	want := []string{
		"Row,Text,'=Name\n",
		"0,\"'=HYPERLINK(\"\"http://evil\"\")\",\n",
		"-1,'+1,\n",
		"-2,'-2,\n",
		"-3,'@SUM(A1),\n",
		"-4,'\tx,\n",
		"-5,\"'\rx\",\n",
		"-6,\"a \"\"quoted\"\", text\",\n",
		"-7,\"line\n", "break\",\n",
		"-8,ok,\n",
	}
	if diff := cmp.Diff(want, lines[:len(want)]); diff != "" {
		t.Errorf("CSV (-want +got):\n%s", diff)
	}
	if n := strings.Count(content, "\n"); n != 1+25+2 {
		t.Errorf("CSV has %d line breaks, want 28", n)
	}
	if resp.Text != "The query returned 25 rows." {
		t.Errorf("text = %q", resp.Text)
	}
}

func TestHuntWideResultIsAttached(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.env.Fake.SetHunting(func(string) ([]mdefake.HuntingColumn, []map[string]any, error) {
		return []mdefake.HuntingColumn{{Name: "CommandLine", Type: "String"}},
			[]map[string]any{{"CommandLine": strings.Repeat("x", 3000)}}, nil
	})
	resp := f.mustRun(t, "hunt DeviceProcessEvents | take 1", 0)
	if resp.File == nil || resp.View.(HuntView).TotalRows != 1 || len(resp.View.(HuntView).Result.Results) != 1 {
		t.Errorf("a 3000-character row is not attached: file %v", resp.File != nil)
	}
}

func TestHuntRefusedQuery(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.env.Fake.SetHunting(func(q string) ([]mdefake.HuntingColumn, []map[string]any, error) {
		return nil, nil, errors.New("Query could not be parsed at 'wher' on line [1,12]")
	})
	_, err := f.run(t, "hunt DeviceInfo wher x", 0)
	wantUsageError(t, f.reg, "hunt", err, "Defender could not run the query: Query could not be parsed at 'wher' on line [1,12]")
}

func TestHuntEmptyResult(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.env.Fake.SetHunting(func(string) ([]mdefake.HuntingColumn, []map[string]any, error) {
		return []mdefake.HuntingColumn{{Name: "A", Type: "String"}}, nil, nil
	})
	resp := f.mustRun(t, "hunt DeviceInfo | where false", 0)
	if v := resp.View.(HuntView); v.TotalRows != 0 || resp.File != nil || resp.Text != "The query returned 0 rows." {
		t.Errorf("resp = %q, %+v", resp.Text, v)
	}
}

func TestCellText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     any
		want   string
		number bool
	}{
		{nil, "", false},
		{"a", "a", false},
		{json.Number("-1.5"), "-1.5", true},
		{true, "true", true},
		{float64(2), "2", true},
		{map[string]any{"k": "v"}, `{"k":"v"}`, false},
		{[]any{"a", json.Number("1")}, `["a",1]`, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.in), func(t *testing.T) {
			t.Parallel()
			got, number := cellText(tt.in)
			if got != tt.want || number != tt.number {
				t.Errorf("cellText(%v) = %q, %v; want %q, %v", tt.in, got, number, tt.want, tt.number)
			}
		})
	}
}

// readFile reads a response's file and checks its size.
func readFile(t *testing.T, f *File) string {
	t.Helper()
	b, err := os.ReadFile(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != f.Size {
		t.Errorf("file %s: size %d, has %d bytes", f.Name, f.Size, len(b))
	}
	return string(b)
}
