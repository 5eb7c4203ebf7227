package mdefake

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"
)

// errFilterType is wrapped by errors about properties and operand types.
var errFilterType = errors.New("invalid $filter")

// valueKind is the type of a filterable property.
type valueKind int

const (
	kindString valueKind = iota
	kindTime
	kindNumber
	kindBool
	kindList
)

// value is a property value read from an entity for filtering and ordering.
type value struct {
	null bool
	s    string
	t    time.Time
	n    float64
	b    bool
	list []string
}

// field describes one filterable property of T.
type field[T any] struct {
	kind valueKind
	get  func(*T) value
}

// fields maps lower-case property names to their description.
type fields[T any] map[string]field[T]

func strVal(s string) value { return value{s: s, null: s == ""} }

func timeVal(t time.Time) value { return value{t: t, null: t.IsZero()} }

func timePtrVal(t *time.Time) value {
	if t == nil {
		return value{null: true}
	}
	return timeVal(*t)
}

func intPtrVal(n *int64) value {
	if n == nil {
		return value{null: true}
	}
	return value{n: float64(*n)}
}

// compileFilter parses src and binds it to the properties of T. An empty src matches everything.
func compileFilter[T any](src string, fs fields[T]) (func(*T) bool, error) {
	if strings.TrimSpace(src) == "" {
		return func(*T) bool { return true }, nil
	}
	e, err := parseFilter(src)
	if err != nil {
		return nil, err
	}
	return bindFilter(e, fs)
}

func bindFilter[T any](e expr, fs fields[T]) (func(*T) bool, error) {
	switch e := e.(type) {
	case logicalExpr:
		l, err := bindFilter(e.left, fs)
		if err != nil {
			return nil, err
		}
		r, err := bindFilter(e.right, fs)
		if err != nil {
			return nil, err
		}
		if e.op == "and" {
			return func(x *T) bool { return l(x) && r(x) }, nil
		}
		return func(x *T) bool { return l(x) || r(x) }, nil
	case notExpr:
		inner, err := bindFilter(e.x, fs)
		if err != nil {
			return nil, err
		}
		return func(x *T) bool { return !inner(x) }, nil
	case funcExpr:
		f, ok := fs[strings.ToLower(e.prop)]
		if !ok {
			return nil, fmt.Errorf("%w: property %q cannot be filtered on this collection", errFilterType, e.prop)
		}
		if f.kind != kindString && f.kind != kindList {
			return nil, fmt.Errorf("%w: startswith needs a string property, %q is not one", errFilterType, e.prop)
		}
		prefix := strings.ToLower(e.arg.s)
		return func(x *T) bool {
			v := f.get(x)
			if f.kind == kindList {
				for _, s := range v.list {
					if strings.HasPrefix(strings.ToLower(s), prefix) {
						return true
					}
				}
				return false
			}
			return !v.null && strings.HasPrefix(strings.ToLower(v.s), prefix)
		}, nil
	case compareExpr:
		return bindCompare(e, fs)
	}
	return nil, fmt.Errorf("%w: unsupported expression", errFilterType)
}

func bindCompare[T any](e compareExpr, fs fields[T]) (func(*T) bool, error) {
	f, ok := fs[strings.ToLower(e.prop)]
	if !ok {
		return nil, fmt.Errorf("%w: property %q cannot be filtered on this collection", errFilterType, e.prop)
	}
	lit, op := e.lit, e.op
	if lit.kind == litNull {
		if op != "eq" && op != "ne" {
			return nil, fmt.Errorf("%w: null can only be compared with eq or ne", errFilterType)
		}
		want := op == "eq"
		return func(x *T) bool {
			v := f.get(x)
			return (v.null || (f.kind == kindList && len(v.list) == 0)) == want
		}, nil
	}
	if err := checkOperand(f.kind, lit, op, e.prop); err != nil {
		return nil, err
	}
	if f.kind == kindList {
		want := op == "eq"
		return func(x *T) bool {
			for _, s := range f.get(x).list {
				if strings.EqualFold(s, lit.s) {
					return want
				}
			}
			return !want
		}, nil
	}
	return func(x *T) bool {
		v := f.get(x)
		if v.null {
			return op == "ne"
		}
		return opHolds(op, compareValue(f.kind, v, lit))
	}, nil
}

// checkOperand rejects a literal whose type does not fit the property, or an ordering operator on
// a property that has no order.
func checkOperand(kind valueKind, lit literal, op, prop string) error {
	want := map[valueKind]litKind{kindString: litString, kindList: litString, kindTime: litDate, kindNumber: litNumber, kindBool: litBool}[kind]
	if lit.kind != want {
		names := map[litKind]string{litString: "a quoted string", litDate: "an unquoted datetime", litNumber: "a number", litBool: "true or false"}
		return fmt.Errorf("%w: %q must be compared with %s", errFilterType, prop, names[want])
	}
	if (kind == kindBool || kind == kindList) && op != "eq" && op != "ne" {
		return fmt.Errorf("%w: %q can only be compared with eq or ne", errFilterType, prop)
	}
	return nil
}

// compareValue orders a non-null property value against a literal of the matching type.
func compareValue(kind valueKind, v value, lit literal) int {
	switch kind {
	case kindTime:
		return v.t.Compare(lit.t)
	case kindNumber:
		return cmp.Compare(v.n, lit.n)
	case kindBool:
		return cmp.Compare(boolRank(v.b), boolRank(lit.b))
	default:
		return strings.Compare(strings.ToLower(v.s), strings.ToLower(lit.s))
	}
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func opHolds(op string, c int) bool {
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	default:
		return c <= 0
	}
}

// compileOrderBy parses "prop [asc|desc], ..." over the filterable properties of T.
func compileOrderBy[T any](src string, fs fields[T]) (func(a, b *T) int, error) {
	type key struct {
		f    field[T]
		desc bool
	}
	var keys []key
	for part := range strings.SplitSeq(src, ",") {
		words := strings.Fields(part)
		if len(words) == 0 || len(words) > 2 {
			return nil, fmt.Errorf("%w: bad $orderby item %q", errFilterType, part)
		}
		f, ok := fs[strings.ToLower(words[0])]
		if !ok || f.kind == kindList {
			return nil, fmt.Errorf("%w: cannot order by %q", errFilterType, words[0])
		}
		k := key{f: f}
		if len(words) == 2 {
			switch strings.ToLower(words[1]) {
			case "asc":
			case "desc":
				k.desc = true
			default:
				return nil, fmt.Errorf("%w: bad $orderby direction %q", errFilterType, words[1])
			}
		}
		keys = append(keys, k)
	}
	return func(a, b *T) int {
		for _, k := range keys {
			va, vb := k.f.get(a), k.f.get(b)
			c := 0
			switch {
			case va.null && vb.null:
			case va.null:
				c = -1
			case vb.null:
				c = 1
			default:
				c = compareValue(k.f.kind, va, literal{s: vb.s, t: vb.t, n: vb.n, b: vb.b})
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	}, nil
}
