package mdefake

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limits that keep the parser cheap on hostile input.
const (
	maxFilterLen   = 8192
	maxFilterDepth = 32
)

// errFilterSyntax is wrapped by every error parseFilter returns.
var errFilterSyntax = errors.New("invalid $filter")

// tokKind is the kind of a lexical token of a $filter expression.
type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokDate
	tokLParen
	tokRParen
	tokComma
)

// token is one lexical token; pos is its byte offset, for messages.
type token struct {
	kind tokKind
	text string
	num  float64
	t    time.Time
	pos  int
}

// litKind is the type of a literal in a comparison.
type litKind int

const (
	litString litKind = iota
	litNumber
	litDate
	litBool
	litNull
)

// literal is a constant operand: a quoted string, a number, a datetime, true/false or null.
type literal struct {
	kind litKind
	s    string
	n    float64
	t    time.Time
	b    bool
}

// expr is a node of a parsed $filter: logicalExpr, notExpr, compareExpr or funcExpr.
type expr interface{ isExpr() }

// logicalExpr is "left and right" or "left or right".
type logicalExpr struct {
	op          string
	left, right expr
}

// notExpr is "not x".
type notExpr struct{ x expr }

// compareExpr is "prop op literal"; a literal on the left is moved to the right and op flipped.
type compareExpr struct {
	prop string
	op   string
	lit  literal
}

// funcExpr is a boolean function call; only startswith(prop,'x') is supported.
type funcExpr struct {
	name string
	prop string
	arg  literal
}

func (logicalExpr) isExpr() {}
func (notExpr) isExpr()     {}
func (compareExpr) isExpr() {}
func (funcExpr) isExpr()    {}

// lexFilter splits a $filter expression into tokens.
func lexFilter(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{kind: tokLParen, text: "(", pos: i})
			i++
		case c == ')':
			toks = append(toks, token{kind: tokRParen, text: ")", pos: i})
			i++
		case c == ',':
			toks = append(toks, token{kind: tokComma, text: ",", pos: i})
			i++
		case c == '\'':
			str, n, err := lexString(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokString, text: str, pos: i})
			i = n
		case isDigit(c) || (c == '-' && i+1 < len(s) && isDigit(s[i+1])):
			j := i + 1
			for j < len(s) && isLiteralChar(s[j]) {
				j++
			}
			tok, err := classifyLiteral(s[i:j], i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, tok)
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && (isIdentStart(s[j]) || isDigit(s[j])) {
				j++
			}
			toks = append(toks, token{kind: tokIdent, text: s[i:j], pos: i})
			i = j
		default:
			return nil, fmt.Errorf("%w: unexpected character %q at position %d", errFilterSyntax, c, i)
		}
	}
	return append(toks, token{kind: tokEOF, pos: len(s)}), nil
}

// lexString reads a single-quoted string starting at s[start]; two quotes in a row stand for one.
func lexString(s string, start int) (string, int, error) {
	var b strings.Builder
	for i := start + 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	return "", 0, fmt.Errorf("%w: unterminated string at position %d", errFilterSyntax, start)
}

// classifyLiteral turns an unquoted run starting with a digit into a number or a datetime token.
func classifyLiteral(text string, pos int) (token, error) {
	if n, err := strconv.ParseFloat(text, 64); err == nil && !strings.ContainsAny(text, "eEnN") {
		return token{kind: tokNumber, text: text, num: n, pos: pos}, nil
	}
	// DateTimeOffset literals carry at most 7 fractional digits (100 ns ticks); Go's RFC3339Nano
	// writes up to 9, which MDE refuses.
	if _, frac, ok := strings.Cut(text, "."); ok && fractionDigits(frac) > 7 {
		return token{}, fmt.Errorf("%w: the datetime %q has more than 7 fractional digits at position %d", errFilterSyntax, text, pos)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, text); err == nil {
			return token{kind: tokDate, text: text, t: t.UTC(), pos: pos}, nil
		}
	}
	return token{}, fmt.Errorf("%w: bad literal %q at position %d", errFilterSyntax, text, pos)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// fractionDigits counts the leading digits of s (the fraction of a datetime).
func fractionDigits(s string) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }

func isLiteralChar(c byte) bool {
	return isDigit(c) || isIdentStart(c) || c == ':' || c == '.' || c == '-' || c == '+'
}

// filterParser is a recursive-descent parser over the token list.
type filterParser struct {
	toks  []token
	pos   int
	depth int
}

// parseFilter parses an OData $filter expression of the subset the fake supports: comparisons
// (eq ne gt ge lt le), startswith(prop,'x'), not, and/or (and binds tighter) and parentheses.
func parseFilter(s string) (expr, error) {
	if len(s) > maxFilterLen {
		return nil, fmt.Errorf("%w: longer than %d characters", errFilterSyntax, maxFilterLen)
	}
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, fmt.Errorf("%w: unexpected %q at position %d", errFilterSyntax, t.text, t.pos)
	}
	return e, nil
}

func (p *filterParser) peek() token { return p.toks[p.pos] }

func (p *filterParser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

// keyword reports whether the next token is the identifier kw (case-insensitive) and consumes it.
func (p *filterParser) keyword(kw string) bool {
	if t := p.peek(); t.kind == tokIdent && strings.EqualFold(t.text, kw) {
		p.pos++
		return true
	}
	return false
}

func (p *filterParser) parseOr() (expr, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = logicalExpr{op: "or", left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) parseAnd() (expr, error) {
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		right, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		left = logicalExpr{op: "and", left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) parseUnary() (expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxFilterDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", errFilterSyntax, maxFilterDepth)
	}
	if p.keyword("not") {
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return notExpr{x: x}, nil
	}
	if p.peek().kind == tokLParen {
		p.next()
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tokRParen {
			return nil, fmt.Errorf("%w: expected ')' at position %d", errFilterSyntax, t.pos)
		}
		return e, nil
	}
	if t := p.peek(); t.kind == tokIdent && p.toks[p.pos+1].kind == tokLParen {
		return p.parseFunc()
	}
	return p.parseComparison()
}
