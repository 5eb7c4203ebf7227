package defender

import (
	"context"
	"errors"
	"net/http"
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

// MaxQueryLength bounds a hunting query; MDE's own limit is not documented, KQL queries in chat
// are short.
const MaxQueryLength = 10000

// Hunt runs an advanced hunting (KQL) query. It has its own rate limit (45 a minute) and may run
// for up to 200 s. On a Graph client (NewGraph) it is Graph's runHuntingQuery; on an MDE client
// the MDE advanced hunting API, which Microsoft is retiring ("Retirement began in January
// 2026", MC1220762, https://learn.microsoft.com/defender-endpoint/api/run-advanced-query-api).
func (c *Client) Hunt(ctx context.Context, query string) (HuntingResult, error) {
	var r HuntingResult
	q := strings.TrimSpace(query)
	switch {
	case q == "":
		return r, errors.New("defender: the hunting query is empty")
	case len(q) > MaxQueryLength:
		return r, errors.New("defender: the hunting query is too long")
	}
	body := struct {
		Query string `json:"Query"`
	}{q}
	path := "advancedqueries/run"
	if c.graph {
		path = "security/runHuntingQuery"
	}
	err := c.do(ctx, call{method: http.MethodPost, path: path, body: body, long: true}, &r)
	return r, err
}
