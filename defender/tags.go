package defender

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"
)

// TagAction says whether a tag is added to a device or removed from it.
type TagAction string

// Tag actions, as the API spells them ("Allowed values are: 'Add' or 'Remove'").
const (
	TagAdd    TagAction = "Add"
	TagRemove TagAction = "Remove"
)

// MaxTagLength bounds a tag mdebot sends. Microsoft Learn states no limit for the API; this is
// mdebot's own bound, so that a tag stays readable on a card and in a routing rule.
const MaxTagLength = 200

type tagBody struct {
	Value  string    `json:"Value"`
	Action TagAction `json:"Action"`
}

// ValidateTag checks a device tag before it is sent: not empty, at most MaxTagLength
// characters, no control characters.
func ValidateTag(tag string) error {
	switch {
	case strings.TrimSpace(tag) == "":
		return invalid("device tag", "it is empty")
	case utf8.RuneCountInString(tag) > MaxTagLength:
		return invalid("device tag", "it is longer than %d characters", MaxTagLength)
	case strings.ContainsFunc(tag, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return invalid("device tag", "it contains control characters")
	}
	return nil
}

// TagMachine adds a tag to a device or removes one (action TagAdd or TagRemove) and returns the
// device as MDE has it afterwards. Adding a tag the device has, or removing one it lacks,
// changes nothing and is no error.
// Add or Remove Tag API: POST /api/machines/{id}/tags, body {"Value": tag, "Action":
// "Add"|"Remove"}, application permission Machine.ReadWrite.All, 100 calls per minute and 1500
// per hour, 200 with the updated machine.
// https://learn.microsoft.com/defender-endpoint/api/add-or-remove-machine-tags
func (c *Client) TagMachine(ctx context.Context, machineID, tag string, action TagAction) (Machine, error) {
	var m Machine
	if err := ValidateMachineID(machineID); err != nil {
		return m, err
	}
	if err := ValidateTag(tag); err != nil {
		return m, err
	}
	if action != TagAdd && action != TagRemove {
		return m, invalid("tag action", "use Add or Remove")
	}
	err := c.do(ctx, call{method: http.MethodPost, path: "machines/" + machineID + "/tags",
		body: tagBody{Value: tag, Action: action}, noRetry: true}, &m)
	return m, err
}

// HasTag reports whether the device has tag, compared as MDE's find-by-tag does (any case).
func (m Machine) HasTag(tag string) bool {
	for _, t := range m.MachineTags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}
