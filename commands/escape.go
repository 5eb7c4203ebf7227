package commands

// Slack's text encoding, both ways: reading markup and entities out of what Slack sends (unmark,
// Unescape), and making untrusted text safe to send (EscapeMrkdwn, EscapeCode, Plain, Truncate).
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

// piece is what one Slack markup or entity stands for.
type piece struct {
	markup bool // <…> markup, as opposed to an entity or a literal character
	kind   Kind
	text   string
	id     string
	label  string
	url    string
}

// unmark reads the markup or entity at text[i], which is '<' or '&', and returns what it stands
// for and its length in bytes. A '<' or '&' that starts neither stands for itself.
func unmark(text string, i int) (piece, int, error) {
	if text[i] == '&' {
		for _, e := range [...]struct{ code, char string }{{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}} {
			if strings.HasPrefix(text[i:], e.code) {
				return piece{text: e.char}, len(e.code), nil
			}
		}
		return piece{text: "&"}, 1, nil
	}
	j := strings.IndexByte(text[i:], '>')
	if j < 0 {
		return piece{text: "<"}, 1, nil
	}
	p, ok, err := parseMarkup(text[i+1 : i+j])
	if err != nil || !ok {
		return piece{text: "<"}, 1, err
	}
	return p, j + 1, nil
}

// parseMarkup reads the inside of <…>. ok is false when it is not Slack markup at all.
func parseMarkup(s string) (p piece, ok bool, err error) {
	body, label, hasLabel := strings.Cut(s, "|")
	label = decodeEntities(label)
	bad := func() error { return syntaxErrorf("unrecognised Slack markup %s", excerpt("<"+s+">")) }
	p = piece{markup: true, label: label}
	switch {
	case strings.HasPrefix(body, "@"):
		p.kind, p.id, p.text = KindUserMention, body[1:], body
		if !isSlackID(p.id, "UW") {
			return piece{}, false, bad()
		}
	case strings.HasPrefix(body, "#"):
		p.kind, p.id, p.text = KindChannelMention, body[1:], body
		if !isSlackID(p.id, "CGD") {
			return piece{}, false, bad()
		}
	case body == "!here" || body == "!channel" || body == "!everyone":
		p.kind, p.id, p.text = KindBroadcast, body[1:], "@"+body[1:]
	case strings.HasPrefix(body, "!subteam^"):
		p.kind, p.id = KindGroupMention, strings.TrimPrefix(body, "!subteam^")
		p.text = "@" + p.id
		if !isSlackID(p.id, "S") {
			return piece{}, false, bad()
		}
	case strings.HasPrefix(body, "!date^") && label != "":
		p.kind, p.text = KindWord, label // the fallback text is what the reader saw
	case strings.HasPrefix(body, "!"):
		return piece{}, false, bad()
	case isLink(body):
		p.kind, p.url = KindURL, decodeEntities(body)
		p.text, err = linkText(p.url, label, hasLabel)
		if err != nil {
			return piece{}, false, err
		}
	default:
		return piece{}, false, nil
	}
	return p, true, nil
}

// linkText decides what the user meant by a link. Slack sends a typed domain as
// <http://evil.com|evil.com> and a typed URL as <https://x.y/a>; the text is what was typed. When
// the text is not the target (a hyperlink pasted from elsewhere) there is no safe guess.
func linkText(url, label string, hasLabel bool) (string, error) {
	if !hasLabel || label == "" {
		return url, nil
	}
	bare := url[strings.IndexByte(url, ':')+1:]
	bare = strings.TrimPrefix(bare, "//")
	for _, u := range []string{url, bare} {
		if strings.EqualFold(strings.TrimSuffix(u, "/"), strings.TrimSuffix(label, "/")) {
			return label, nil
		}
	}
	return "", syntaxErrorf("the link %s points to %s; type the plain text instead", excerpt(label), excerpt(url))
}

// isLink reports whether s starts with a URL scheme and holds no white space.
func isLink(s string) bool {
	i := strings.IndexByte(s, ':')
	if i < 1 || i == len(s)-1 || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return false
	}
	for k, r := range s[:i] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' ||
			k > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return false
		}
	}
	return true
}

// isSlackID reports whether id is a Slack ID whose first letter is one of prefixes.
func isSlackID(id, prefixes string) bool {
	if len(id) < 2 || len(id) > 32 || !strings.ContainsRune(prefixes, rune(id[0])) {
		return false
	}
	for _, r := range id {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func decodeEntities(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s)
}

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
