package mdefake

import (
	"slices"
	"strings"
)

// tagMachine serves POST /api/machines/{id}/tags as the Add or Remove Tag API documents it
// (https://learn.microsoft.com/defender-endpoint/api/add-or-remove-machine-tags): the body is a
// JSON object with exactly Value (the tag, required) and Action ('Add' or 'Remove', required),
// property names case-sensitive; the route needs Machine.ReadWrite.All (mdeRoutes); the answer
// is 200 with the updated machine. Adding a tag the device already has (in any case) or removing
// one it lacks leaves its tags as they are.
func tagMachine(c *call) {
	obj, aerr := decodeObject(c.body, "Value", "Action")
	if aerr != nil {
		c.fail(aerr)
		return
	}
	tag, aerr := obj.required("Value")
	if aerr != nil {
		c.fail(aerr)
		return
	}
	if _, present, _ := obj.str("Action"); !present {
		c.fail(badRequest("MissingRequiredParameter", "The parameter Action is required."))
		return
	}
	action, _, aerr := obj.oneOf("Action", "Add", "Remove")
	if aerr != nil {
		c.fail(aerr)
		return
	}
	f := c.f
	f.mu.Lock()
	m := f.machineLocked(c.seg[1])
	if m == nil {
		f.mu.Unlock()
		c.fail(notFound("Machine %s was not found.", c.seg[1]))
		return
	}
	has := func(t string) bool { return strings.EqualFold(t, tag) }
	switch {
	case action == "Add" && !slices.ContainsFunc(m.MachineTags, has):
		m.MachineTags = append(slices.Clone(m.MachineTags), tag)
	case action == "Remove":
		m.MachineTags = slices.DeleteFunc(slices.Clone(m.MachineTags), has)
	}
	out := m.clone()
	f.mu.Unlock()
	c.ok(out)
}
