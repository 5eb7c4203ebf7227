package commands

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
)

const (
	// huntTimeout bounds a hunting command: a query may run for 200 s, and the client may
	// first wait for the hunting rate limit.
	huntTimeout = 4 * time.Minute
	// huntInlineRows is how many rows of a result go to Slack; the whole result goes with the
	// response as CSV, sent to the requester when the table does not show all of it.
	huntInlineRows = 20
	// maxHuntMessage bounds the part of MDE's explanation of a refused query that is shown.
	maxHuntMessage = 500
)

// smartQuotes undoes the typographic quotes that chat clients substitute, which KQL does not
// read as quotes.
var smartQuotes = strings.NewReplacer("“", `"`, "”", `"`, "„", `"`, "‟", `"`, "‘", "'", "’", "'", "‚", "'", "‛", "'")

func huntVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "hunt",
		Usage:   "<KQL query>",
		Summary: "Run an advanced hunting (KQL) query: a table in Slack, and the full result sent to you as a CSV file.",
		Details: []string{
			"The query may be wrapped in a code span or block (`...` or ```...```); smart quotes are turned back into plain quotes.",
			"Results of more than 20 rows, or too wide to show, are sent to you in full as CSV, in a direct message (never to the channel).",
			"Example: `hunt DeviceProcessEvents | where FileName == \"powershell.exe\" | take 10`",
		},
		Role:    Responder,
		Timeout: huntTimeout,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		q := cleanQuery(c.Rest)
		switch {
		case q == "":
			return Response{}, badArg(v, "Give a KQL query, such as `hunt DeviceInfo | take 10`.")
		case len(q) > defender.MaxQueryLength:
			return Response{}, badArg(v, "The query is too long (%d bytes, at most %d).", len(q), defender.MaxQueryLength)
		}
		res, err := d.hunter().Hunt(ctx, q)
		var apiErr *defender.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == 400 {
			// A refused query is the analyst's to fix, and only MDE knows what is wrong with it.
			msg := strings.TrimSpace(Plain(apiErr.Message, maxHuntMessage))
			if msg == "" {
				msg = "no reason given"
			}
			return Response{}, badArg(v, "Defender could not run the query: %s", msg)
		}
		if err != nil {
			return Response{}, err
		}
		n := len(res.Results)
		view := HuntView{Query: q, Result: res, TotalRows: n}
		resp := Response{Text: "The query returned " + plural(n, "row", "rows") + "."}
		if n > 0 {
			// The renderer knows whether the table shows everything; the bot attaches the
			// CSV only when it does not.
			content, err := huntCSV(res)
			if err != nil {
				return Response{}, fmt.Errorf("hunt: writing CSV: %w", err)
			}
			resp.File = &File{Name: "hunt-" + fileRef(c.Ref) + ".csv", Title: "Hunting result (" + plural(n, "row", "rows") + ")", Content: content}
			view.Result.Results = res.Results[:min(n, huntInlineRows)]
		}
		resp.View = view
		return resp, nil
	}
	return v
}

// cleanQuery trims a query, drops a code span or block around it and turns smart quotes back
// into ASCII quotes.
func cleanQuery(s string) string {
	s = strings.TrimSpace(s)
	for _, fence := range []string{"```", "`"} {
		if len(s) >= 2*len(fence) && strings.HasPrefix(s, fence) && strings.HasSuffix(s, fence) {
			s = strings.TrimSpace(s[len(fence) : len(s)-len(fence)])
			break
		}
	}
	return strings.TrimSpace(smartQuotes.Replace(s))
}

// fileRef keeps the characters of a request reference that are safe in a file name.
func fileRef(ref string) string {
	out := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, ref)
	if out == "" {
		return "result"
	}
	return Truncate(out, 32)
}

// huntCSV writes a result as CSV with a header row. Text cells that a spreadsheet would run as a
// formula (starting with = + - @, a tab or a carriage return) get a leading '.
func huntCSV(res defender.HuntingResult) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	cols := columns(res)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = defuseFormula(c)
	}
	if err := w.Write(header); err != nil {
		return nil, err
	}
	rec := make([]string, len(cols))
	for _, row := range res.Results {
		for i, c := range cols {
			s, number := cellText(row[c])
			if !number {
				s = defuseFormula(s)
			}
			rec[i] = s
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// columns are the schema's column names, or the first row's keys when MDE sent no schema.
func columns(res defender.HuntingResult) []string {
	cols := make([]string, 0, len(res.Schema))
	for _, c := range res.Schema {
		cols = append(cols, c.Name)
	}
	if len(cols) == 0 && len(res.Results) > 0 {
		for k := range res.Results[0] {
			cols = append(cols, k)
		}
		slices.Sort(cols)
	}
	return cols
}

// cellText writes one value; number reports a JSON number or boolean, which cannot be a formula.
func cellText(v any) (s string, number bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, false
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v), false
	}
	return string(b), false
}

func defuseFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
