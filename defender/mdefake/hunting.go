package mdefake

import "time"

// HuntingColumn is one column of an advanced hunting result schema.
type HuntingColumn struct {
	Name string `json:"Name"`
	Type string `json:"Type"`
}

// HuntingFunc answers an advanced hunting query with a schema and rows. An error becomes a 400
// BadRequest whose message is the error's text.
type HuntingFunc func(query string) (schema []HuntingColumn, rows []map[string]any, err error)

// SetHunting sets the function that answers POST /api/advancedqueries/run; nil restores the
// default, which returns one DeviceProcessEvents-like row per machine.
func (f *Fake) SetHunting(fn HuntingFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hunting = fn
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
	c.f.mu.Lock()
	fn := c.f.hunting
	c.f.mu.Unlock()
	if fn == nil {
		fn = c.f.defaultHunting
	}
	schema, rows, err := fn(q)
	if err != nil {
		c.fail(badRequest("BadRequest", "%s", err.Error()))
		return
	}
	c.ok(map[string]any{"Schema": nonNil(schema), "Results": nonNil(rows)})
}
