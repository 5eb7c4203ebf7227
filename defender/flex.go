package defender

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// FlexString is a string field that MDE sometimes sends as a number (rbacGroupId, for one).
type FlexString string

// UnmarshalJSON accepts a JSON string, number or null.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("defender: expected a string or a number")
		}
		*f = FlexString(n.String())
	}
	return nil
}

// FlexInt is a count that MDE sometimes sends as a string.
type FlexInt int64

// UnmarshalJSON accepts a JSON number, a numeric string or null.
func (f *FlexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = 0
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*f = 0
			return nil
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("defender: expected a number")
	}
	*f = FlexInt(n)
	return nil
}
