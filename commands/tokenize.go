// Package commands is mdebot's chat-ops logic, free of Slack types: the command grammar and its
// parsing, the command registry, authorization, the approval policy and user-safe errors.
package commands

// Splitting command text into arguments, on top of unescape.go, which undoes Slack's markup and
// entities piece by piece; QuoteArg is the way back, for text the bot builds into a command.

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxArgs is the largest number of arguments one command may have, the verb included.
const MaxArgs = 64

// Token is one argument of a command.
type Token struct {
	// Kind says what the token stands for.
	Kind Kind
	// Text is the argument as the user meant it: quotes removed, Slack markup undone, &amp; &lt; &gt;
	// decoded, and every white-space character turned into a plain space.
	Text string
	// ID is the Slack ID of a mention (U…, W…, C…, G…, D…, S…) or the broadcast name (here, channel,
	// everyone).
	ID string
	// Label is the display text Slack put in a mention or link; it is informative, never trusted.
	Label string
	// URL is the target of a KindURL token.
	URL string
	// Start and End are the byte offsets of the token in the original text, quotes and markup
	// included, so that a verb taking free text (hunt) can read the rest raw and pass it to Unescape.
	Start, End int
}

// Tokenize splits slash-command text into arguments the way Tokens does and returns their Text.
func Tokenize(text string) ([]string, error) {
	toks, err := Tokens(text)
	if err != nil {
		return nil, err
	}
	args := make([]string, len(toks))
	for i, t := range toks {
		args[i] = t.Text
	}
	return args, nil
}

// Tokens splits slash-command text into arguments. The rules, in order of precedence:
//
//   - Arguments are separated by runs of white space (any Unicode space: tabs, newlines, NBSP ...).
//   - A double quote (" “ ” „ ‟ « » ＂) starts a quoted part anywhere outside quotes; any quote of
//     the same family ends it, so phones' smart quotes work. Text around quotes joins the argument,
//     so key:"a b" is one argument, key:a b.
//   - A single quote (' ‘ ’ ‚ ‛ ‹ › ＇) does the same, except that after a letter or digit it is an
//     apostrophe (user's, it’s, O'Brien); inside single quotes, one followed by a letter or digit is
//     an apostrophe too, so 'it's fine' is one argument.
//   - A backslash makes the quote that follows it literal ("say \"hi\""); every other backslash is
//     kept, so Windows paths survive.
//   - Slack markup is undone: <http://evil.com|evil.com> is evil.com, <https://x.y/a> is
//     https://x.y/a, <mailto:a@b.c|a@b.c> is a@b.c, mentions become typed tokens (see Kind). A link
//     whose text is not its target is refused rather than guessed.
//   - &amp; &lt; &gt; are decoded; what they decode to is always literal text, never markup.
//
// Text longer than MaxTextLen characters, invalid UTF-8, control characters other than white space,
// invisible format characters (bidi overrides such as U+202E, zero-width space, BOM), unterminated
// quotes, unknown markup and more than MaxArgs arguments are refused with a *SyntaxError.
func Tokens(text string) ([]Token, error) {
	if err := checkText(text); err != nil {
		return nil, err
	}
	s := scanner{text: text}
	if err := s.run(); err != nil {
		return nil, err
	}
	if len(s.toks) > MaxArgs {
		return nil, syntaxErrorf("too many arguments (%d, the limit is %d)", len(s.toks), MaxArgs)
	}
	return s.toks, nil
}

// scanner holds the state of one Tokens call.
type scanner struct {
	text   string
	toks   []Token
	buf    strings.Builder
	tok    Token // the token being built
	in     bool  // a token has begun
	quoted bool  // the token has a quoted part
	plain  bool  // the token has literal text
	marks  int   // markup pieces in the token
	mark   piece // the last of them
}

func (s *scanner) run() error {
	var open rune // the family of the open quote, 0 outside quotes
	openAt := 0
	prev := ' '
	for i := 0; i < len(s.text); {
		r, size := utf8.DecodeRuneInString(s.text[i:])
		next, nsize := utf8.DecodeRuneInString(s.text[i+size:])
		switch {
		case open == 0 && unicode.IsSpace(r):
			s.end(i)
		case r == '\\' && family(next) != 0 && (open == 0 || family(next) == open):
			s.literal(i, string(next))
			r, size = next, size+nsize
		case open != 0 && family(r) == open && (open == '"' || !isAlnum(next)):
			open = 0
		case open == 0 && (family(r) == '"' || family(r) == '\'' && !isAlnum(prev)):
			s.begin(i)
			s.quoted = true
			open, openAt = family(r), i
		case r == '<' || r == '&':
			p, n, err := unmark(s.text, i)
			if err != nil {
				return err
			}
			if p.markup {
				s.begin(i)
				s.buf.WriteString(p.text)
				s.marks++
				s.mark = p
				r = 'a' // a mention reads as a word: <@U1>'s keeps its apostrophe
			} else {
				s.literal(i, p.text)
			}
			size = n
		default:
			s.literal(i, string(r))
		}
		prev = r
		i += size
	}
	if open != 0 {
		return syntaxErrorf("unterminated quote starting at %s (character %d)",
			excerpt(s.text[openAt:]), utf8.RuneCountInString(s.text[:openAt])+1)
	}
	s.end(len(s.text))
	return nil
}

func (s *scanner) begin(at int) {
	if !s.in {
		s.in = true
		s.tok = Token{Start: at}
	}
}

func (s *scanner) literal(at int, text string) {
	s.begin(at)
	s.buf.WriteString(text)
	s.plain = true
}

// end finishes the token in progress, if any, at byte offset at.
func (s *scanner) end(at int) {
	if !s.in {
		return
	}
	t := s.tok
	t.End = at
	t.Text = blanks(s.buf.String())
	switch {
	case s.marks == 1 && !s.plain && s.mark.kind != KindWord:
		t.Kind, t.ID, t.Label, t.URL = s.mark.kind, s.mark.id, blanks(s.mark.label), s.mark.url
	case s.quoted:
		t.Kind = KindQuoted
	default:
		t.Kind = KindWord
	}
	s.toks = append(s.toks, t)
	s.buf.Reset()
	s.in, s.quoted, s.plain, s.marks, s.mark = false, false, false, 0, piece{}
}

// family returns the ASCII double quote for any double quote, the ASCII single quote for any
// single quote, and 0 for anything else.
func family(r rune) rune {
	switch r {
	case '"', '“', '”', '„', '‟', '«', '»', '＂':
		return '"'
	case '\'', '‘', '’', '‚', '‛', '‹', '›', '＇':
		return '\''
	}
	return 0
}

// blanks turns every white-space character into a plain space.
func blanks(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
}

// QuoteArg quotes free text (a reason typed in a modal) as one command argument, so that Tokens
// gives it back whole and as typed: & < > as Slack encodes them in commands, and every quote of
// the double family (" “ ” „ ‟ « » ＂, any of which would end the quoted part) escaped with a
// backslash. Trailing backslashes go after the closing quote, where they are plain text.
func QuoteArg(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	body := strings.TrimRight(s, `\`)
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range body {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case family(r) == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	b.WriteString(s[len(body):])
	return b.String()
}
