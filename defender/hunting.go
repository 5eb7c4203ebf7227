package defender

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
)

// HuntingColumn is one column of a hunting result. MDE writes Name and Type, Graph name and type;
// encoding/json matches either.
type HuntingColumn struct {
	Name string `json:"Name"`
	Type string `json:"Type"`
}

// HuntingResult is an advanced hunting result. Values keep JSON numbers as json.Number.
// (The field names are read case-insensitively, so both "Schema" and "schema" work.)
type HuntingResult struct {
	Schema  []HuntingColumn  `json:"Schema"`
	Results []map[string]any `json:"Results"`
}

// Columns are the result's column names: the schema's, or the first row's keys (sorted) when the
// reply has no schema.
func (r HuntingResult) Columns() []string {
	cols := make([]string, 0, len(r.Schema))
	for _, c := range r.Schema {
		cols = append(cols, c.Name)
	}
	if len(cols) == 0 && len(r.Results) > 0 {
		for k := range r.Results[0] {
			cols = append(cols, k)
		}
		slices.Sort(cols)
	}
	return cols
}

// MaxQueryLength bounds a hunting query; MDE's own limit is not documented, KQL queries in chat
// are short.
const MaxQueryLength = 10000

// Limits of one hunting reply. MDE documents at most 100,000 rows and a result of at most
// 124 MB ("Advanced hunting API", Limitations,
// https://learn.microsoft.com/defender-endpoint/api/run-advanced-query-api); Graph's
// runHuntingQuery returns the same service's results. A reply within both is never cut.
const (
	MaxHuntRows        = 100000
	MaxHuntBytes int64 = 128 << 20
)

// HuntLimits bound what one hunting reply may cost: rows past MaxRows and bytes past MaxBytes
// are not read. Zero fields take MaxHuntRows and MaxHuntBytes.
type HuntLimits struct {
	MaxRows  int
	MaxBytes int64
}

// HuntSummary is what a streamed hunt read.
type HuntSummary struct {
	// Schema is the result's columns (empty when the reply had none).
	Schema []HuntingColumn
	// Rows is how many rows were read and handed over; Bytes how much of the body was read.
	Rows  int
	Bytes int64
	// Cut is set when a limit stopped the reading: the reply had more than Rows rows (or more
	// bytes than the limit, the last row being cut off), and the rest was not read.
	Cut bool
}

// RowFunc receives one row of a hunting result, with the schema as known so far (MDE and Graph
// send the schema before the rows). An error stops the reading and is returned.
type RowFunc func(schema []HuntingColumn, row map[string]any) error

// Hunt runs an advanced hunting (KQL) query and returns the whole result. It holds every row in
// memory: HuntEach streams them instead.
func (c *Client) Hunt(ctx context.Context, query string) (HuntingResult, error) {
	var r HuntingResult
	sum, err := c.HuntEach(ctx, query, HuntLimits{}, func(_ []HuntingColumn, row map[string]any) error {
		r.Results = append(r.Results, row)
		return nil
	})
	r.Schema = sum.Schema
	return r, err
}

// HuntEach runs an advanced hunting (KQL) query and hands each row to fn as it is read from the
// reply, which is never held whole: the body is read as a stream, within lim. It has its own
// rate limit (45 a minute) and may run for up to 200 s. On a Graph client (NewGraph) it is
// Graph's runHuntingQuery; on an MDE client the MDE advanced hunting API, which Microsoft is
// retiring ("Retirement began in January 2026", MC1220762,
// https://learn.microsoft.com/defender-endpoint/api/run-advanced-query-api).
func (c *Client) HuntEach(ctx context.Context, query string, lim HuntLimits, fn RowFunc) (HuntSummary, error) {
	var sum HuntSummary
	q := strings.TrimSpace(query)
	switch {
	case q == "":
		return sum, errors.New("defender: the hunting query is empty")
	case len(q) > MaxQueryLength:
		return sum, errors.New("defender: the hunting query is too long")
	}
	body := struct {
		Query string `json:"Query"`
	}{q}
	path := "advancedqueries/run"
	if c.graph {
		path = "security/runHuntingQuery"
	}
	stream := func(r io.Reader) error {
		var err error
		sum, err = decodeHunting(r, lim, fn)
		return err
	}
	err := c.do(ctx, call{method: http.MethodPost, path: path, body: body, long: true, stream: stream}, nil)
	return sum, err
}
