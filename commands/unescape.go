package commands

// Reading Slack's text encoding: the markup and entities Slack puts in what it sends (<@U…|name>,
// <#C…|name>, <!subteam^S…>, <https://…|…>, <mailto:…>, &amp; &lt; &gt;) undone one piece at a
// time (unmark) or in free text (Unescape), and the checks every command text must pass. This
// layer knows nothing of arguments: tokenize.go splits them on top of it, and escape.go is the
// other direction (making text safe to send).

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxTextLen is the longest command text accepted, in characters (Unicode code points), counted on
// the text as Slack sends it.
const MaxTextLen = 4000

// SyntaxError reports command text that cannot be parsed. Msg is written for the person who typed
// the command. It quotes at most a short excerpt of that text, in which < > & and ` are replaced by
// look-alikes, and it holds no control characters. Like any text, it still goes through EscapeMrkdwn
// or Plain on its way to Slack.
type SyntaxError struct {
	Msg string
}

func (e *SyntaxError) Error() string { return e.Msg }

func syntaxErrorf(format string, args ...any) *SyntaxError {
	return &SyntaxError{Msg: fmt.Sprintf(format, args...)}
}

// Kind says what a token stands for.
type Kind int

// The kinds of token.
const (
	// KindWord is plain text, which may contain Slack links or mentions that have been undone.
	KindWord Kind = iota
	// KindQuoted is text that was quoted in whole or in part; the quotes are not in Text.
	KindQuoted
	// KindUserMention is exactly one user mention, <@U123> or <@U123|alice>: ID "U123", Text "@U123".
	KindUserMention
	// KindChannelMention is exactly one channel mention, <#C123|sec>: ID "C123", Text "#C123".
	KindChannelMention
	// KindGroupMention is exactly one user-group mention, <!subteam^S123|@team>: ID "S123", Text "@S123".
	KindGroupMention
	// KindBroadcast is exactly one of <!here>, <!channel>, <!everyone>: ID "here", Text "@here".
	KindBroadcast
	// KindURL is exactly one link that Slack made from a URL, a domain or an e-mail address: Text is
	// what the user typed (evil.com, a@b.c, https://x.y/a) and URL the link's target.
	KindURL
)

// String names the kind in words.
func (k Kind) String() string {
	switch k {
	case KindWord:
		return "word"
	case KindQuoted:
		return "quoted text"
	case KindUserMention:
		return "user mention"
	case KindChannelMention:
		return "channel mention"
	case KindGroupMention:
		return "user group mention"
	case KindBroadcast:
		return "broadcast mention"
	case KindURL:
		return "link"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

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

// Unescape undoes Slack's encoding in free text (a KQL query, a comment) without splitting it:
// markup and entities are resolved as in Tokens, quotes and white space are left alone. It applies
// the same checks on length, encoding and characters.
func Unescape(text string) (string, error) {
	if err := checkText(text); err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(text); {
		j := strings.IndexAny(text[i:], "<&")
		if j < 0 {
			b.WriteString(text[i:])
			break
		}
		b.WriteString(text[i : i+j])
		i += j
		p, n, err := unmark(text, i)
		if err != nil {
			return "", err
		}
		b.WriteString(p.text)
		i += n
	}
	return b.String(), nil
}

// checkText applies the limits that hold for any command text.
func checkText(text string) error {
	if n := utf8.RuneCountInString(text); n > MaxTextLen {
		return syntaxErrorf("command too long (%d characters, the limit is %d)", n, MaxTextLen)
	}
	if !utf8.ValidString(text) {
		return syntaxErrorf("the command is not valid UTF-8 text")
	}
	n := 0
	for _, r := range text {
		n++
		if !unicode.IsSpace(r) && forbidden(r) {
			return syntaxErrorf("the command has a control or invisible character (U+%04X) at character %d; retype it without it", r, n)
		}
	}
	return nil
}

// excerpt shortens user text for an error message and replaces the characters that mean something
// to Slack with look-alikes, so the message stays harmless even if a renderer forgets to escape it.
func excerpt(s string) string {
	const max = 24
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteRune('…')
			break
		}
		n++
		switch {
		case r == '<':
			r = '‹'
		case r == '>':
			r = '›'
		case r == '&':
			r = '＆'
		case r == '`':
			r = 'ˋ'
		case unicode.IsSpace(r):
			r = ' '
		case forbidden(r):
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return `"` + b.String() + `"`
}
