package bot

import (
	"strings"
	"testing"

	"github.com/mdebot/mdebot/commands"
)

func TestQuoteArgRoundTrip(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`plain reason (alert 1)`, `he said "go" (alert 1)`, `C:\dir\" x (alert 1)`, `a < b & c > d <!channel> (alert 1)`,
		`smart “quotes” and ‘single’ it's (alert 1)`, "multi\nline\ttext (alert 1)"} {
		toks, err := commands.Tokenize("isolate x " + quoteArg(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		// Smart double quotes come back as straight ones.
		want := strings.NewReplacer("“", `"`, "”", `"`).Replace(commands.Plain(in, 10000))
		if len(toks) != 3 || toks[2] != strings.Join(strings.Fields(want), " ") {
			t.Errorf("%q came back as %q", in, toks)
		}
	}
}
