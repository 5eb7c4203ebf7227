package mdefake

import (
	"fmt"
	"strings"
)

// flipped maps a comparison operator to the one that keeps its meaning when the operands swap.
func flipped(op string) string {
	switch op {
	case "gt":
		return "lt"
	case "ge":
		return "le"
	case "lt":
		return "gt"
	case "le":
		return "ge"
	}
	return op
}

// isCompareOp reports whether op (lower case) is a comparison operator.
func isCompareOp(op string) bool {
	switch op {
	case "eq", "ne", "gt", "ge", "lt", "le":
		return true
	}
	return false
}

// parseFunc parses startswith(prop,'x').
func (p *filterParser) parseFunc() (expr, error) {
	name := p.next()
	if !strings.EqualFold(name.text, "startswith") {
		return nil, fmt.Errorf("%w: unsupported function %q at position %d", errFilterSyntax, name.text, name.pos)
	}
	p.next() // "(", checked by the caller
	prop := p.next()
	if prop.kind != tokIdent {
		return nil, fmt.Errorf("%w: startswith needs a property name at position %d", errFilterSyntax, prop.pos)
	}
	if t := p.next(); t.kind != tokComma {
		return nil, fmt.Errorf("%w: expected ',' at position %d", errFilterSyntax, t.pos)
	}
	arg := p.next()
	if arg.kind != tokString {
		return nil, fmt.Errorf("%w: startswith needs a quoted string at position %d", errFilterSyntax, arg.pos)
	}
	if t := p.next(); t.kind != tokRParen {
		return nil, fmt.Errorf("%w: expected ')' at position %d", errFilterSyntax, t.pos)
	}
	return funcExpr{name: "startswith", prop: prop.text, arg: literal{kind: litString, s: arg.text}}, nil
}

// parseComparison parses "operand op operand" where exactly one operand is a property.
func (p *filterParser) parseComparison() (expr, error) {
	left := p.next()
	opTok := p.next()
	op := strings.ToLower(opTok.text)
	if opTok.kind != tokIdent || !isCompareOp(op) {
		return nil, fmt.Errorf("%w: expected a comparison operator at position %d", errFilterSyntax, opTok.pos)
	}
	right := p.next()
	leftProp, rightProp := isPropToken(left), isPropToken(right)
	switch {
	case leftProp && !rightProp:
		lit, err := tokenLiteral(right)
		if err != nil {
			return nil, err
		}
		return compareExpr{prop: left.text, op: op, lit: lit}, nil
	case rightProp && !leftProp:
		lit, err := tokenLiteral(left)
		if err != nil {
			return nil, err
		}
		return compareExpr{prop: right.text, op: flipped(op), lit: lit}, nil
	default:
		return nil, fmt.Errorf("%w: a comparison needs one property and one literal at position %d", errFilterSyntax, left.pos)
	}
}

// isPropToken reports whether t names a property (an identifier other than true, false, null).
func isPropToken(t token) bool {
	if t.kind != tokIdent {
		return false
	}
	switch strings.ToLower(t.text) {
	case "true", "false", "null":
		return false
	}
	return true
}

// tokenLiteral converts a literal token to a literal value.
func tokenLiteral(t token) (literal, error) {
	switch t.kind {
	case tokString:
		return literal{kind: litString, s: t.text}, nil
	case tokNumber:
		return literal{kind: litNumber, n: t.num}, nil
	case tokDate:
		return literal{kind: litDate, t: t.t}, nil
	case tokIdent:
		switch strings.ToLower(t.text) {
		case "true":
			return literal{kind: litBool, b: true}, nil
		case "false":
			return literal{kind: litBool, b: false}, nil
		case "null":
			return literal{kind: litNull}, nil
		}
	}
	if t.kind == tokEOF {
		return literal{}, fmt.Errorf("%w: unexpected end of expression", errFilterSyntax)
	}
	return literal{}, fmt.Errorf("%w: expected a literal at position %d", errFilterSyntax, t.pos)
}
