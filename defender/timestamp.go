package defender

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// Timestamp is an MDE DateTimeOffset. MDE writes them in several shapes (with or without a zone,
// with up to seven fractional digits, sometimes a date alone); all are read as UTC when no zone
// is given. A JSON null or "" leaves the zero time.
type Timestamp struct{ time.Time }

var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.9999999",
	"2006-01-02T15:04:05",
	"2006-01-02Z07:00",
	"2006-01-02",
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("defender: a timestamp must be a JSON string")
	}
	s := strings.TrimSpace(string(b[1 : len(b)-1]))
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	for _, layout := range timestampLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("defender: unrecognised timestamp %q", truncate(s, 40))
}

// MarshalJSON implements json.Marshaler; the zero time is null.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(time.RFC3339Nano) + `"`), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
