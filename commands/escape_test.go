package commands

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestEscapeMrkdwn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Suspicious PowerShell", "Suspicious PowerShell"},
		{"entities", "a & b < c > d", "a &amp; b &lt; c &gt; d"},
		{"already escaped stays visible", "&amp; &lt;", "&amp;amp; &amp;lt;"},
		{"broadcast markup", "<!channel> <!here|here>", "&lt;!channel&gt; &lt;!here|here&gt;"},
		{"mention markup", "<@U123> <#C1|x> <!subteam^S1>", "&lt;@\u200BU123&gt; &lt;#C1|x&gt; &lt;!subteam^S1&gt;"},
		{"link markup", "<http://evil.com|click here>", "&lt;http://evil.com|click here&gt;"},
		{"bold", "*urgent*", "∗urgent∗"},
		{"italic", "_x_ y", "ˍxˍ y"},
		{"strike", "~not~ malicious", "∼not∼ malicious"},
		{"code", "`rm -rf`", "ˋrm -rfˋ"},
		{"full-width markers", "＊a＊ ＿b＿ ｀c｀ ～d～", "﹡a﹡ ⸏b⸏ ˋcˋ ∼d∼"},
		{"markers inside words kept", "my_file_name.exe PROGRA~1 2*3", "my_file_name.exe PROGRA~1 2*3"},
		{"emoji shortcode kept", ":white_check_mark:", ":white_check_mark:"},
		{"marker at word edge", "file_ _x x_ a*", "fileˍ ˍx xˍ a∗"},
		{"marker next to non-ascii", "é_é", "éˍé"},
		{"leading quote", "> fake quote", "\u00AD&gt; fake quote"},
		{"indented quote", "  >>> x", "  \u00AD&gt;&gt;&gt; x"},
		{"quote after newline", "a\n> b\r\n> c", "a\n\u00AD&gt; b\n\u00AD&gt; c"},
		{"full-width quote", "＞ x", "\u00AD＞ x"},
		{"inner greater-than", "a > b", "a &gt; b"},
		{"line separator starts a line", "a\u2028> b", "a\n\u00AD&gt; b"},
		{"broadcast words", "@channel @here @everyone", "@\u200Bchannel @\u200Bhere @\u200Beveryone"},
		{"broadcast any case", "@Channel @HERE", "@\u200BChannel @\u200BHERE"},
		{"broadcast inside word", "x@channel", "x@\u200Bchannel"},
		{"user name", "ask @alice (@bob)", "ask @\u200Balice (@\u200Bbob)"},
		{"email kept", "mail a.b@corp.com", "mail a.b@corp.com"},
		{"lone at", "@ 1@", "@ 1@"},
		{"rtl override", "invoice\u202Etxt.exe", "invoice\uFFFDtxt.exe"},
		{"zero-width space", "ho\u200Bst", "ho\uFFFDst"},
		{"soft hyphen", "a\u00ADb", "a\uFFFDb"},
		{"controls", "a\x00b\x1b[31mc\x7f", "a\uFFFDb\uFFFD[31mc\uFFFD"},
		{"invalid utf-8", "a\xffb", "a\uFFFDb"},
		{"vertical tab", "a\vb", "a b"},
		{"joiners kept", "👩\u200D💻 a\u200Cb", "👩\u200D💻 a\u200Cb"},
		{"cyrillic kept", "hоst1", "hоst1"},
		{"odata", "' or 1 eq 1", "' or 1 eq 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := EscapeMrkdwn(tt.in); got != tt.want {
				t.Errorf("EscapeMrkdwn(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"powershell -enc `a` *b* _c_ ~d~", "powershell -enc ˋaˋ *b* _c_ ~d~"},
		{"```x```", "ˋˋˋxˋˋˋ"},
		{"｀x", "ˋx"},
		{"a<b>c&d", "a&lt;b&gt;c&amp;d"},
		{"<!channel> @here a@b.c @alice", "&lt;!channel&gt; @\u200Bhere a@b.c @alice"},
		{"C:\\Windows\\x.exe\r\n> y", "C:\\Windows\\x.exe\n&gt; y"},
		{"a\u202Eb\x00", "a\uFFFDb\uFFFD"},
	}
	for _, tt := range tests {
		if got := EscapeCode(tt.in); got != tt.want {
			t.Errorf("EscapeCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"hello", 5, "hello"},
		{"hello", 10, "hello"},
		{"hello!", 5, "hell…"},
		{"hello", 1, "…"},
		{"hello", 0, ""},
		{"hello", -3, ""},
		{"", 3, ""},
		{"héllo wörld", 6, "héllo…"},
		{"日本語のテキスト", 4, "日本語…"},
		{"😀😀😀", 6, "😀😀😀"},       // 6 UTF-16 units
		{"😀😀😀", 5, "😀😀…"},       // an emoji counts twice
		{"😀😀😀", 2, "…"},         // no room for a whole emoji
		{"ab&amp;cd", 5, "ab…"}, // never cuts an entity
		{"ab&amp;cd", 8, "ab&amp;…"},
		{"a&lt;b", 4, "a…"},
		{"AT&T rocks", 4, "AT&…"}, // a bare & is no entity
		{"a\xffb\xffc", 4, "a\xffb…"},
	}
	for _, tt := range tests {
		got := Truncate(tt.in, tt.limit)
		if got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
		if n := utf16Len(got); tt.limit > 0 && n > tt.limit {
			t.Errorf("Truncate(%q, %d) is %d long", tt.in, tt.limit, n)
		}
	}
}

func TestPlain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"*Ransomware* <!here> & more", 150, "*Ransomware* <!here> & more"},
		{"a\u202Eb\x07c\r\nd", 150, "a\uFFFDb\uFFFDc\nd"},
		{strings.Repeat("x", 200), 150, strings.Repeat("x", 149) + "…"},
	}
	for _, tt := range tests {
		if got := Plain(tt.in, tt.limit); got != tt.want {
			t.Errorf("Plain(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

// hostile are the pieces the property test builds its inputs from.
var hostile = []string{
	"<", ">", "&", "!", "@", "#", "|", "^", ";", "amp", "lt", "gt", "channel", "here", "everyone",
	"Channel", "http://", "mailto:", "U123", "subteam", "*", "_", "~", "`", "＊", "＿", "～", "｀", "＞",
	"\n", "\r", " ", "\t", "a", "1", "é", "日", "😀", "\u202E", "\u200B", "\u00AD", "\x00", "\xff",
	"\u2028", "\v",
}

// TestEscapeMrkdwnProperties checks EscapeMrkdwn on many random hostile strings: nothing in the
// output can become markup, a mention, formatting or a hidden character, and nothing but the
// documented replacements changes.
func TestEscapeMrkdwnProperties(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(24) {
			b.WriteString(hostile[rng.IntN(len(hostile))])
		}
		in := b.String()
		out := EscapeMrkdwn(in)
		checkEscaped(t, in, out)
		// ｀ and ` share a look-alike, as do ～ and ~.
		want := strings.NewReplacer("｀", "`", "～", "~").Replace(clean(in))
		if back := unescapeForTest(out); back != want {
			t.Fatalf("EscapeMrkdwn(%q) = %q reads back as %q, want %q", in, out, back, want)
		}
	}
}

// checkEscaped asserts the promises of EscapeMrkdwn.
func checkEscaped(t *testing.T, in, out string) {
	t.Helper()
	fail := func(why string) { t.Fatalf("EscapeMrkdwn(%q) = %q: %s", in, out, why) }
	if !utf8.ValidString(out) {
		fail("invalid UTF-8")
	}
	if strings.ContainsAny(out, "<>`｀＊＿～") {
		fail("raw < > or a marker that is always live")
	}
	lower := strings.ToLower(out)
	for _, bad := range []string{"@channel", "@here", "@everyone"} {
		if strings.Contains(lower, bad) {
			fail("bare " + bad)
		}
	}
	rest := out
	for i := strings.IndexByte(rest, '&'); i >= 0; i = strings.IndexByte(rest, '&') {
		rest = rest[i:]
		if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
			fail("bare &")
		}
		rest = rest[1:]
	}
	prev := rune(-1)
	for i, r := range out {
		next, _ := utf8.DecodeRuneInString(out[i+utf8.RuneLen(r):])
		switch {
		case r == zwsp && prev != '@':
			fail("zero-width space not after @")
		case r == softHyphen && !strings.HasPrefix(out[i+utf8.RuneLen(r):], "&gt;") && next != '＞':
			fail("soft hyphen not before a quote marker")
		case r != zwsp && r != softHyphen && forbidden(r):
			fail("hidden or control character")
		case (r == '*' || r == '_' || r == '~') && !(isASCIIAlnum(prev) && isASCIIAlnum(next)):
			fail("live formatting marker")
		}
		prev = r
	}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimLeft(line, " \t")
		if strings.HasPrefix(line, "&gt;") || strings.HasPrefix(line, "＞") {
			fail("line starts a quote")
		}
	}
}

// unescapeForTest undoes EscapeMrkdwn, for inputs without look-alike characters of their own.
func unescapeForTest(s string) string {
	s = strings.NewReplacer("@\u200B", "@", "\u00AD", "").Replace(s)
	s = strings.NewReplacer("∗", "*", "ˍ", "_", "∼", "~", "ˋ", "`", "﹡", "＊", "⸏", "＿").Replace(s)
	return decodeEntities(s)
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func FuzzEscapeMrkdwn(f *testing.F) {
	for _, s := range []string{"<!channel> *b* _i_ `c` > q", "@here&amp;", "a\u202Eb\xff", "😀&lt;x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := EscapeMrkdwn(s)
		checkEscaped(t, s, out)
		code := EscapeCode(s)
		if !utf8.ValidString(code) || strings.ContainsAny(code, "<>`｀") {
			t.Fatalf("EscapeCode(%q) = %q", s, code)
		}
		for _, limit := range []int{1, 2, 3, 7, 150} {
			cut := Truncate(out, limit)
			if utf16Len(cut) > limit || !utf8.ValidString(cut) || strings.ContainsAny(cut, "<>") {
				t.Fatalf("Truncate(%q, %d) = %q", out, limit, cut)
			}
			// Unassigned code points (emoji newer than Go's tables) pass; hidden ones never do.
			if p := Plain(s, limit); utf16Len(p) > limit || !utf8.ValidString(p) || strings.IndexFunc(p, forbidden) >= 0 {
				t.Fatalf("Plain(%q, %d) = %q", s, limit, p)
			}
		}
	})
}
