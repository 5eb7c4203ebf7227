package commands

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestTokenize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", []string{}},
		{"only spaces", " \t\n ", []string{}},
		{"words", "isolate host1 suspected ransomware", []string{"isolate", "host1", "suspected", "ransomware"}},
		{"any unicode space", "a\u00A0b\tc\nd\u3000e\u2003f\r\ng", []string{"a", "b", "c", "d", "e", "f", "g"}},
		{"runs of space", "  a   b  ", []string{"a", "b"}},
		{"double quotes", `isolate host1 "reason with spaces"`, []string{"isolate", "host1", "reason with spaces"}},
		{"single quotes", `isolate host1 'reason with spaces'`, []string{"isolate", "host1", "reason with spaces"}},
		{"smart double", "a “b c” d", []string{"a", "b c", "d"}},
		{"smart single", "a ‘b c’ d", []string{"a", "b c", "d"}},
		{"german quotes", "a „b c“ d", []string{"a", "b c", "d"}},
		{"guillemets", "a «b c» d", []string{"a", "b c", "d"}},
		{"swedish quotes", "a ”b c” d", []string{"a", "b c", "d"}},
		{"quote inside other family", `"it's fine" 'say "hi"'`, []string{"it's fine", `say "hi"`}},
		{"apostrophe", "user's laptop", []string{"user's", "laptop"}},
		{"phone apostrophe", "user’s laptop it’s O'Brien", []string{"user’s", "laptop", "it’s", "O'Brien"}},
		{"apostrophe inside single quotes", "'it's fine' x", []string{"it's fine", "x"}},
		{"quoted value after key", `tag:"Finance PCs" since='2 h'`, []string{"tag:Finance PCs", "since=2 h"}},
		{"empty quotes", `comment ""`, []string{"comment", ""}},
		{"adjacent quotes join", `a"b c"d`, []string{"ab cd"}},
		{"escaped quote inside quotes", `"say \"hi\" now"`, []string{`say "hi" now`}},
		{"escaped smart quote", `“a \” b”`, []string{"a ” b"}},
		{"escaped quote outside quotes", `12\" x`, []string{`12"`, "x"}},
		{"escaped other family is literal", `"a\'b"`, []string{`a\'b`}},
		{"windows path quoted", `"C:\Program Files\x.exe"`, []string{`C:\Program Files\x.exe`}},
		{"windows path bare", `C:\Users\ \\srv\share`, []string{`C:\Users\`, `\\srv\share`}},
		{"newline in quotes becomes space", "\"a\nb\tc\"", []string{"a b c"}},
		{"odata injection kept as text", "host1' or 1 eq 1", []string{"host1'", "or", "1", "eq", "1"}},
		{"odata injection quoted", `"x' or '1' eq '1"`, []string{"x' or '1' eq '1"}},
		{"cyrillic look-alike kept", "machine hоst1", []string{"machine", "hоst1"}},
		{"emoji with joiner", "👩\u200D💻 ok", []string{"👩\u200D💻", "ok"}},
		{"entities", "a&amp;b &lt;script&gt; AT&T &quot;", []string{"a&b", "<script>", "AT&T", "&quot;"}},
		{"entity is never markup", "&lt;!channel&gt; &lt;@U1&gt;", []string{"<!channel>", "<@U1>"}},
		{"entity is never a quote", `&amp;"a b"`, []string{"&a b"}},
		{"domain link", "block <http://evil.com|evil.com> bad", []string{"block", "evil.com", "bad"}},
		{"url link", "block <https://x.y/a?b=1&amp;c=2>", []string{"block", "https://x.y/a?b=1&c=2"}},
		{"link with trailing slash", "<http://evil.com/|evil.com>", []string{"evil.com"}},
		{"link with full url label", "<https://x.y/a|https://x.y/a>", []string{"https://x.y/a"}},
		{"link label case", "<http://evil.com|EVIL.com>", []string{"EVIL.com"}},
		{"mailto", "user <mailto:a@b.c|a@b.c>", []string{"user", "a@b.c"}},
		{"link inside word", "(<http://evil.com|evil.com>),", []string{"(evil.com),"}},
		{"link inside quotes", `"see <http://x.y|x.y> now"`, []string{"see x.y now"}},
		{"user mention", "audit <@U123ABC>", []string{"audit", "@U123ABC"}},
		{"user mention with name", "audit <@W123ABC|alice>", []string{"audit", "@W123ABC"}},
		{"mention possessive", "per <@U1A>'s request", []string{"per", "@U1A's", "request"}},
		{"channel", "<#C123|sec>", []string{"#C123"}},
		{"broadcasts", "<!here> <!channel> <!everyone> <!here|@here>", []string{"@here", "@channel", "@everyone", "@here"}},
		{"group", "<!subteam^S123|@sec team>", []string{"@S123"}},
		{"date fallback", "since <!date^1392734382^{date_short}|Feb 18, 2014>", []string{"since", "Feb 18, 2014"}},
		{"broadcast in quotes", `"ping <!here> now"`, []string{"ping @here now"}},
		{"lone angle bracket", "a < b", []string{"a", "<", "b"}},
		{"not markup", "<b c> <http://x y>", []string{"<b", "c>", "<http://x", "y>"}},
		{"sql-ish", "a;DROP TABLE x;--", []string{"a;DROP", "TABLE", "x;--"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Tokenize(tt.in)
			if err != nil {
				t.Fatalf("Tokenize(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Tokenize(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string // the token as typed, which its offsets must point at
		want Token  // without offsets
	}{
		{"isolate", Token{Kind: KindWord, Text: "isolate"}},
		{`"a b"`, Token{Kind: KindQuoted, Text: "a b"}},
		{"<@U1A|al ice>", Token{Kind: KindUserMention, Text: "@U1A", ID: "U1A", Label: "al ice"}},
		{"<#C2B|sec>", Token{Kind: KindChannelMention, Text: "#C2B", ID: "C2B", Label: "sec"}},
		{"<!subteam^S3C|@t>", Token{Kind: KindGroupMention, Text: "@S3C", ID: "S3C", Label: "@t"}},
		{"<!here>", Token{Kind: KindBroadcast, Text: "@here", ID: "here"}},
		{"<http://evil.com|evil.com>", Token{Kind: KindURL, Text: "evil.com", URL: "http://evil.com", Label: "evil.com"}},
		{"<https://x.y/a&amp;b>", Token{Kind: KindURL, Text: "https://x.y/a&b", URL: "https://x.y/a&b"}},
		{`"<@U1A>"`, Token{Kind: KindUserMention, Text: "@U1A", ID: "U1A"}},
		{"x<@U1A>", Token{Kind: KindWord, Text: "x@U1A"}},
		{"<!here><!here>", Token{Kind: KindWord, Text: "@here@here"}},
		{"<!date^1^{x}|d>", Token{Kind: KindWord, Text: "d"}},
		{`"<!date^1^{x}|d>"`, Token{Kind: KindQuoted, Text: "d"}},
		{`''`, Token{Kind: KindQuoted, Text: ""}},
	}
	var raws []string
	for _, tt := range tests {
		raws = append(raws, tt.raw)
	}
	in := strings.Join(raws, " \u00A0\t")
	got, err := Tokens(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(tests) {
		t.Fatalf("Tokens(%q) gave %d tokens, want %d: %+v", in, len(got), len(tests), got)
	}
	for i, tt := range tests {
		tok := got[i]
		if raw := in[tok.Start:tok.End]; raw != tt.raw {
			t.Errorf("token %d: offsets [%d:%d] give %q, want %q", i, tok.Start, tok.End, raw, tt.raw)
		}
		tok.Start, tok.End = 0, 0
		if diff := cmp.Diff(tt.want, tok); diff != "" {
			t.Errorf("token %d (%s) mismatch (-want +got):\n%s", i, tt.raw, diff)
		}
	}
}

func TestTokenizeErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 10*1024)
	tests := []struct {
		name string
		in   string
		want string // substring of the message
	}{
		{"unterminated double", `isolate host1 "reason`, `unterminated quote starting at ""reason" (character 15)`},
		{"unterminated single", "isolate 'host1 x", `unterminated quote starting at "'host1 x" (character 9)`},
		{"unterminated smart", "a “b c", `unterminated quote starting at "“b c"`},
		{"unterminated long excerpt", `"` + strings.Repeat("b", 100), `"` + `"` + strings.Repeat("b", 23) + `…"`},
		{"escaped closing quote", `"C:\dir\"`, "unterminated quote"},
		{"odata quote", "' or 1 eq 1", "unterminated quote"},
		{"odata quotes", "x' or '1' eq '1", "unterminated quote"},
		{"excerpt is defused", `"<!channel> & ` + "`x`", `""‹!channel› ＆ ˋxˋ"`},
		{"10 KB", long, "command too long (10240 characters, the limit is 4000)"},
		{"4001 characters", strings.Repeat("é", MaxTextLen+1), "command too long (4001 characters, the limit is 4000)"},
		{"65 arguments", strings.Repeat("a ", MaxArgs+1), "too many arguments (65, the limit is 64)"},
		{"invalid utf-8", "isolate \xff\xfe", "not valid UTF-8"},
		{"nul", "a\x00b", "(U+0000) at character 2"},
		{"escape sequence", "\x1b[31mred", "(U+001B) at character 1"},
		{"del", "a\x7f", "(U+007F)"},
		{"c1 control", "a\u009b", "(U+009B)"},
		{"rtl override", "file \u202Eexe.txt", "(U+202E) at character 6"},
		{"rtl isolate", "a\u2067b", "(U+2067)"},
		{"zero-width space", "ho\u200Bst1", "(U+200B) at character 3"},
		{"bom", "\uFEFFisolate", "(U+FEFF)"},
		{"tag character", "a\U000E0041", "(U+E0041)"},
		{"unknown special", "<!foo>", `unrecognised Slack markup "‹!foo›"`},
		{"date without fallback", "<!date^1^{x}>", "unrecognised Slack markup"},
		{"bad user id", "<@u1>", "unrecognised Slack markup"},
		{"bad channel id", "<#U1|x>", "unrecognised Slack markup"},
		{"bad group id", "<!subteam^U1|x>", "unrecognised Slack markup"},
		{"link text differs", "<http://good.com|evil.com>", `the link "evil.com" points to "http://good.com"; type the plain text instead`},
		{"mail text differs", "<mailto:a@b.c|x@y.z>", "the link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Tokenize(tt.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Tokenize(%.40q) = %q, %v; want a *SyntaxError", tt.in, got, err)
			}
			if !strings.Contains(se.Msg, tt.want) {
				t.Errorf("message %q does not contain %q", se.Msg, tt.want)
			}
			checkSafeMessage(t, se.Msg)
		})
	}
}

// checkSafeMessage asserts what SyntaxError promises about its message.
func checkSafeMessage(t *testing.T, msg string) {
	t.Helper()
	if !utf8.ValidString(msg) || utf8.RuneCountInString(msg) > 200 || strings.ContainsAny(msg, "<>&`") {
		t.Errorf("unsafe message %q", msg)
	}
	for _, r := range msg {
		if forbidden(r) || r == '\n' || r == '\t' {
			t.Errorf("message %q has %U", msg, r)
		}
	}
}

func TestTokenizeLimits(t *testing.T) {
	t.Parallel()
	words := strings.TrimSpace(strings.Repeat("a ", MaxArgs))
	if got, err := Tokenize(words); err != nil || len(got) != MaxArgs {
		t.Errorf("%d arguments: got %d, %v", MaxArgs, len(got), err)
	}
	full := strings.Repeat("é", MaxTextLen)
	if got, err := Tokenize(full); err != nil || len(got) != 1 {
		t.Errorf("%d characters: got %d tokens, %v", MaxTextLen, len(got), err)
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{`a "b c" 'd'`, "<@U1A|x> <http://a.b|a.b>", "&lt;&amp;", "“x” ‘y’ it's", `"\"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		toks, err := Tokens(text)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			checkSafeMessage(t, se.Msg)
			return
		}
		if len(toks) > MaxArgs {
			t.Fatalf("%d tokens", len(toks))
		}
		end := 0
		for _, tok := range toks {
			if tok.Start < end || tok.End <= tok.Start || tok.End > len(text) {
				t.Fatalf("token %+v: bad offsets after %d in %d bytes", tok, end, len(text))
			}
			end = tok.End
			checkTokenText(t, tok.Text)
			checkTokenText(t, tok.Label)
			switch tok.Kind {
			case KindUserMention, KindGroupMention, KindBroadcast:
				if tok.Text != "@"+tok.ID {
					t.Fatalf("token %+v", tok)
				}
			case KindChannelMention:
				if tok.Text != "#"+tok.ID {
					t.Fatalf("token %+v", tok)
				}
			case KindURL:
				if tok.URL == "" || !strings.Contains(tok.URL, ":") {
					t.Fatalf("token %+v", tok)
				}
			}
		}
		if u, err := Unescape(text); err != nil || !utf8.ValidString(u) {
			t.Fatalf("Unescape failed where Tokens did not: %q, %v", u, err)
		}
	})
}

func checkTokenText(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("token %q is not valid UTF-8", s)
	}
	for _, r := range s {
		if (unicode.IsSpace(r) && r != ' ') || forbidden(r) {
			t.Fatalf("token %q has %U", s, r)
		}
	}
}

func ExampleTokenize() {
	args, err := Tokenize(`block <http://evil.com|evil.com> “phishing kit” user’s report`)
	fmt.Printf("%q %v\n", args, err)
	_, err = Tokenize(`isolate host1 "reason`)
	fmt.Println(err)
	// Output:
	// ["block" "evil.com" "phishing kit" "user’s" "report"] <nil>
	// unterminated quote starting at ""reason" (character 15)
}

func TestQuoteArgRoundTrip(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`plain reason (alert 1)`, `he said "go" (alert 1)`, `C:\dir\" x (alert 1)`, `a < b & c > d <!channel> (alert 1)`,
		`smart “quotes” and ‘single’ it's (alert 1)`, "multi\nline\ttext (alert 1)",
		// Quotes of one family that are not the one QuoteArg opens with used to end the quoted
		// part, so the rest became arguments of their own (here, an option).
		`a» type=selective «b`, `a‟ x=y ＂ z`, `ends with a backslash\`, `C:\dir\`} {
		toks, err := Tokenize("isolate x " + QuoteArg(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		want := Plain(in, 10000)
		if len(toks) != 3 || toks[2] != strings.Join(strings.Fields(want), " ") {
			t.Errorf("%q came back as %q", in, toks)
		}
	}
}
