package defender

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Filter is an OData $filter expression built from typed parts. Values are always rendered as
// literals (strings quoted with every ' doubled), so no value can end a literal early and add
// operators of its own. The zero Filter matches everything.
type Filter struct {
	expr string
	err  error
}

var propertyName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// String returns the expression as it goes into $filter.
func (f Filter) String() string { return f.expr }

// IsZero reports whether f is empty (matches everything).
func (f Filter) IsZero() bool { return f.expr == "" && f.err == nil }

// Err returns the first problem met while building f (an invalid property name or value type).
func (f Filter) Err() error { return f.err }

// Eq is "prop eq value".
func Eq(prop string, v any) Filter { return compare(prop, "eq", v) }

// Ne is "prop ne value".
func Ne(prop string, v any) Filter { return compare(prop, "ne", v) }

// Gt is "prop gt value".
func Gt(prop string, v any) Filter { return compare(prop, "gt", v) }

// Ge is "prop ge value".
func Ge(prop string, v any) Filter { return compare(prop, "ge", v) }

// Lt is "prop lt value".
func Lt(prop string, v any) Filter { return compare(prop, "lt", v) }

// Le is "prop le value".
func Le(prop string, v any) Filter { return compare(prop, "le", v) }

// StartsWith is "startswith(prop,'prefix')".
func StartsWith(prop, prefix string) Filter {
	if !propertyName.MatchString(prop) {
		return Filter{err: fmt.Errorf("defender: invalid filter property %q", prop)}
	}
	return Filter{expr: "startswith(" + prop + "," + QuoteString(prefix) + ")"}
}

// And joins filters with "and"; zero filters are skipped.
func And(fs ...Filter) Filter { return join("and", fs) }

// Or joins filters with "or"; zero filters are skipped.
func Or(fs ...Filter) Filter { return join("or", fs) }

// In is "prop eq v1 or prop eq v2 ...", grouped; it is the zero Filter when vs is empty.
func In[T any](prop string, vs ...T) Filter {
	fs := make([]Filter, 0, len(vs))
	for _, v := range vs {
		fs = append(fs, Eq(prop, v))
	}
	return Or(fs...)
}

func join(op string, fs []Filter) Filter {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		if f.err != nil {
			return f
		}
		if f.expr == "" {
			continue
		}
		parts = append(parts, f.expr)
	}
	switch len(parts) {
	case 0:
		return Filter{}
	case 1:
		return Filter{expr: parts[0]}
	}
	// Parenthesise every operand so that precedence never depends on how the parts were built.
	return Filter{expr: "(" + strings.Join(parts, ") "+op+" (") + ")"}
}

func compare(prop, op string, v any) Filter {
	if !propertyName.MatchString(prop) {
		return Filter{err: fmt.Errorf("defender: invalid filter property %q", prop)}
	}
	lit, err := Literal(v)
	if err != nil {
		return Filter{err: err}
	}
	return Filter{expr: prop + " " + op + " " + lit}
}

// Literal renders v as an OData literal: strings (and string-based types) quoted, times as UTC
// DateTimeOffset, integers, booleans.
func Literal(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return QuoteString(x), nil
	case time.Time:
		return dateTimeLiteral(x), nil
	case Timestamp:
		return dateTimeLiteral(x.Time), nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case uint:
		return strconv.FormatUint(uint64(x), 10), nil
	case fmt.Stringer:
		return QuoteString(x.String()), nil
	}
	// Named string types (enums such as Severity) are quoted like strings.
	if s, ok := stringKind(v); ok {
		return QuoteString(s), nil
	}
	return "", fmt.Errorf("defender: cannot use a %T in a filter", v)
}

// dateTimeLiteral writes a DateTimeOffset literal in UTC with at most 7 fractional digits (the
// 100 ns ticks of .NET's DateTimeOffset; Go's RFC3339Nano writes 9, which MDE refuses), cut
// down, never rounded up, so that "ge" never skips an item. The docs' own filters use whole
// seconds ("lastUpdateTime ge 2019-11-22T00:00:00Z", OData queries with Microsoft Defender for
// Endpoint, https://learn.microsoft.com/defender-endpoint/api/exposed-apis-odata-samples).
func dateTimeLiteral(t time.Time) string {
	return t.UTC().Truncate(100 * time.Nanosecond).Format("2006-01-02T15:04:05.9999999Z07:00")
}

// QuoteString quotes s as an OData string literal, doubling every single quote.
func QuoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
