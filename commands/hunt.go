package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
)

const (
	// huntTimeout bounds a hunting command: a query may run for 200 s, and the client may
	// first wait for the hunting rate limit.
	huntTimeout = 4 * time.Minute
	// huntInlineRows is how many rows of a result go to Slack; the whole result goes with the
	// response as CSV (written to a temporary file as the rows arrive, never held in memory),
	// sent to the requester when the table does not show all of it.
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
		sink := &huntSink{dir: d.TempDir}
		sum, err := d.hunter().HuntEach(ctx, q, d.HuntLimits, sink.row)
		if err != nil {
			sink.discard()
		}
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
		n := sum.Rows
		view := HuntView{Query: q, Result: defender.HuntingResult{Schema: sum.Schema, Results: sink.first}, TotalRows: n}
		resp := Response{Text: "The query returned " + plural(n, "row", "rows") + "."}
		if sum.Cut {
			view.Cut = cutNote(sum, d.HuntLimits)
			resp.Text = "The query returned more rows than mdebot reads; here are the first " + plural(n, "row", "rows") + "."
		}
		if n > 0 {
			// The renderer knows whether the table shows everything; the bot attaches the
			// CSV only when it does not, and removes the file either way.
			size, err := sink.close()
			if err != nil {
				return Response{}, fmt.Errorf("hunt: writing CSV: %w", err)
			}
			view.Result.Schema = sink.schema
			resp.File = &File{Name: "hunt-" + fileRef(c.Ref) + ".csv", Title: "Hunting result (" + plural(n, "row", "rows") + ")",
				Path: sink.f.Name(), Size: size}
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
