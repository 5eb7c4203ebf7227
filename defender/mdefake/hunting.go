package mdefake

import (
	"bufio"
	"encoding/json"
	"iter"
	"net/http"
	"slices"
	"time"
)

// HuntingColumn is one column of an advanced hunting result schema.
type HuntingColumn struct {
	Name string `json:"Name"`
	Type string `json:"Type"`
}

// HuntingFunc answers an advanced hunting query with a schema and rows. An error becomes a 400
// BadRequest whose message is the error's text.
type HuntingFunc func(query string) (schema []HuntingColumn, rows []map[string]any, err error)

// HuntingRowsFunc answers an advanced hunting query with a schema and a sequence of rows that
// the fake writes one at a time as it makes them: a result of any size then costs the fake
// (and the test's process) no more than one row. An error becomes a 400 BadRequest.
type HuntingRowsFunc func(query string) (schema []HuntingColumn, rows iter.Seq[map[string]any], err error)

// SetHunting sets the function that answers hunting queries (MDE's POST
// /api/advancedqueries/run and Graph's runHuntingQuery); nil restores the default, which returns
// one DeviceProcessEvents-like row per machine. It replaces a SetHuntingRows function.
func (f *Fake) SetHunting(fn HuntingFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hunting, f.huntingRows = fn, nil
}

// SetHuntingRows sets a streaming answer to hunting queries, which wins over SetHunting's; nil
// removes it.
func (f *Fake) SetHuntingRows(fn HuntingRowsFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.huntingRows = fn
}

// answerHunting runs the configured hunting function.
func (f *Fake) answerHunting(q string) ([]HuntingColumn, iter.Seq[map[string]any], error) {
	f.mu.Lock()
	fn, rowsFn := f.hunting, f.huntingRows
	f.mu.Unlock()
	if rowsFn != nil {
		return rowsFn(q)
	}
	if fn == nil {
		fn = f.defaultHunting
	}
	schema, rows, err := fn(q)
	return schema, slices.Values(rows), err
}

// member is one member of a JSON object written by writeHunting, in order.
type member struct {
	key   string
	value any
}

// writeHunting writes a 200 reply {head..., resultsKey: [rows...]}, one row at a time.
func writeHunting(w http.ResponseWriter, head []member, resultsKey string, rows iter.Seq[map[string]any]) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	_ = bw.WriteByte('{')
	for _, m := range append(head, member{key: resultsKey}) {
		_ = enc.Encode(m.key)
		_ = bw.WriteByte(':')
		if m.value != nil {
			_ = enc.Encode(m.value)
			_ = bw.WriteByte(',')
		}
	}
	_ = bw.WriteByte('[')
	first := true
	for row := range rows {
		if !first {
			_ = bw.WriteByte(',')
		}
		first = false
		if row == nil {
			row = map[string]any{}
		}
		if enc.Encode(row) != nil {
			break
		}
	}
	_, _ = bw.WriteString("]}")
	_ = bw.Flush()
}

// defaultHunting is the canned hunting answer: one row per machine (at most ten).
func (f *Fake) defaultHunting(string) ([]HuntingColumn, []map[string]any, error) {
	schema := []HuntingColumn{
		{Name: "Timestamp", Type: "DateTime"}, {Name: "DeviceId", Type: "String"},
		{Name: "DeviceName", Type: "String"}, {Name: "ActionType", Type: "String"},
		{Name: "FileName", Type: "String"},
	}
	now := f.Now()
	rows := []map[string]any{}
	for i, m := range f.Machines() {
		if i == 10 {
			break
		}
		rows = append(rows, map[string]any{
			"Timestamp": now.Add(-time.Duration(i+1) * time.Minute).Format(time.RFC3339Nano), "DeviceId": m.ID,
			"DeviceName": m.ComputerDNSName, "ActionType": "ProcessCreated", "FileName": "powershell.exe",
		})
	}
	return schema, rows, nil
}

// runHunting serves POST /api/advancedqueries/run with body {"Query": "..."}.
func runHunting(c *call) {
	obj, aerr := decodeObject(c.body, "Query")
	if aerr != nil {
		c.fail(aerr)
		return
	}
	q, aerr := obj.required("Query")
	if aerr != nil {
		c.fail(aerr)
		return
	}
	schema, rows, err := c.f.answerHunting(q)
	if err != nil {
		c.fail(badRequest("BadRequest", "%s", err.Error()))
		return
	}
	writeHunting(c.w, []member{{"Schema", nonNil(schema)}}, "Results", rows)
}
