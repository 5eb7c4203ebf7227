package commands

// Writing Slack's text encoding: making untrusted text safe to send (EscapeMrkdwn, EscapeCode,
// Plain, Truncate). unescape.go reads the encoding the other way.
//
// Slack defines one escape only: & < > written as &amp; &lt; &gt;. Escaping those three is enough
// to defuse every link, mention and broadcast (<http://…|…>, <@U…>, <!channel>), because Slack
// parses markup before it decodes entities. mrkdwn has no escape for its formatting characters
// (* _ ~ ` and a > that starts a line), so EscapeMrkdwn replaces them with look-alikes that Slack
// never reads as formatting: ∗ ˍ ∼ ˋ (U+2217, U+02CD, U+223C, U+02CB), the set jsx-slack chose
// and checked in Slack. The two suggestions that come to mind first both fail: Slack reads the
// full-width forms (＊ ＿ ｀ ＞) as formatting too, and a zero-width space around a marker is the
// known trick to force formatting inside a word, not to stop it. Slack ignores markers inside a
// word (snake_case, PROGRA~1), so * _ ~ between two ASCII letters or digits are kept and file and
// user names stay exact. A > that starts a line gets a soft hyphen (U+00AD) before it, which hides
// the quote marker and shows nothing. Text people must copy exactly (hashes, paths, command lines)
// belongs in a code span or block, through EscapeCode, where only backticks change.

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

const (
	zwsp       = '\u200B' // breaks @channel apart without showing anything
	zwnj       = '\u200C'
	zwj        = '\u200D'
	softHyphen = '\u00AD'
)

// forbidden reports whether r may appear neither in command text nor in what the bot shows:
// control characters and invisible format characters (bidi overrides such as U+202E, zero-width
// space, BOM, tag characters), except tab, newline and the zero-width (non-)joiners that emoji and
// several scripts need.
func forbidden(r rune) bool {
	switch r {
	case '\t', '\n', zwnj, zwj:
		return false
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// clean makes text printable: invalid UTF-8 and forbidden characters become U+FFFD, so that
// hidden characters show instead of vanishing, and every line break becomes "\n".
func clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\r':
			b.WriteByte('\n')
			if strings.HasPrefix(s[i+1:], "\n") {
				size++
			}
		case r == '\u0085' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case r == '\v' || r == '\f':
			b.WriteByte(' ')
		case forbidden(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r) // an invalid byte decodes as RuneError, which is what we want
		}
		i += size
	}
	return b.String()
}

// EscapeMrkdwn makes untrusted text (alert titles, file names, arguments, MDE error text) safe in
// Slack mrkdwn: & < > are escaped, formatting characters become look-alikes unless they sit inside a
// word, a > that starts a line cannot start a quote, and @channel, @here, @everyone or an @name at
// the start of a word get a zero-width space after the @, so no setting (link_names) can turn them
// into a notification. Invalid UTF-8, control and invisible characters show as U+FFFD.
func EscapeMrkdwn(s string) string {
	s = clean(s)
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	lineStart := true // only spaces since the start of the line
	prev := rune(-1)
	for i, r := range s {
		next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>', '＞':
			if lineStart {
				b.WriteRune(softHyphen)
			}
			if r == '>' {
				b.WriteString("&gt;")
			} else {
				b.WriteRune(r)
			}
		case '*', '_', '~':
			if isASCIIAlnum(prev) && isASCIIAlnum(next) {
				b.WriteRune(r)
			} else {
				b.WriteRune(lookalike(r))
			}
		case '@':
			b.WriteRune(r)
			if isAlnum(next) && (!isAlnum(prev) || isBroadcast(s[i+1:])) {
				b.WriteRune(zwsp)
			}
		default:
			b.WriteRune(lookalike(r))
		}
		lineStart = r == '\n' || lineStart && (r == ' ' || r == '\t')
		prev = r
	}
	return b.String()
}

// EscapeCode makes untrusted text safe inside a code span or block (`…` or ```…```): & < > are
// escaped, backticks become ˋ (U+02CB) so they cannot end the code, and @channel, @here, @everyone
// are broken apart. Everything else, formatting characters included, is kept exactly.
func EscapeCode(s string) string {
	s = clean(s)
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for i, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '`', '｀':
			b.WriteRune(lookalike(r))
		case '@':
			b.WriteRune(r)
			if isBroadcast(s[i+1:]) {
				b.WriteRune(zwsp)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Plain makes untrusted text fit a plain_text field (header, button, option) of at most limit
// characters: Slack reads no markup there, so only control and invisible characters are replaced
// (see EscapeMrkdwn) before Truncate.
func Plain(s string, limit int) string {
	return Truncate(clean(s), limit)
}

// Truncate shortens s to at most limit characters, ending it with "…" when it cut. Slack states its
// limits in characters (3,000 for section text, 2,000 for a field, 150 for a header); Truncate
// counts UTF-16 code units, which is the same except that an emoji or other character outside the
// Basic Multilingual Plane counts twice, so whatever fits here fits Slack however it counts. It
// never splits a character, nor an &amp; &lt; &gt; entity, so it works on escaped text. Truncate
// untrusted text before wrapping it in formatting of your own, so that no marker is cut off.
func Truncate(s string, limit int) string {
	if limit <= 0 {
		return ""
	}
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	if n <= limit {
		return s
	}
	cut, n := 0, 0
	for i, r := range s {
		if n+utf16.RuneLen(r) > limit-1 { // keep room for the ellipsis
			cut = i
			break
		}
		n += utf16.RuneLen(r)
	}
	if amp := strings.LastIndexByte(s[max(0, cut-4):cut], '&'); amp >= 0 {
		amp += max(0, cut-4)
		for _, e := range []string{"&amp;", "&lt;", "&gt;"} {
			if strings.HasPrefix(s[amp:], e) && amp+len(e) > cut {
				cut = amp
			}
		}
	}
	return s[:cut] + "…"
}

// lookalike returns the character Slack shows like r but never reads as formatting.
func lookalike(r rune) rune {
	switch r {
	case '*':
		return '∗' // U+2217 ASTERISK OPERATOR
	case '＊':
		return '﹡' // U+FE61 SMALL ASTERISK
	case '_':
		return 'ˍ' // U+02CD MODIFIER LETTER LOW MACRON
	case '＿':
		return '⸏' // U+2E0F PARAGRAPHOS
	case '~', '～':
		return '∼' // U+223C TILDE OPERATOR
	case '`', '｀':
		return 'ˋ' // U+02CB MODIFIER LETTER GRAVE ACCENT
	}
	return r
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// isBroadcast reports whether s, the text after an @, starts with a word Slack can turn into a
// broadcast.
func isBroadcast(s string) bool {
	for _, w := range [...]string{"here", "channel", "everyone"} {
		if len(s) >= len(w) && strings.EqualFold(s[:len(w)], w) {
			return true
		}
	}
	return false
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
