package commands

import (
	"slices"
	"strings"
)

// requestTokens returns the tokens of req: Tokens of its text, or, for a request the bot built
// (req.Args), one literal token per argument. For the latter it also sets req.Text to a
// canonical command text whose token offsets match, for the verbs that read the text around a
// token (the choice buttons of an ambiguous device rebuild the command from it), and refuses the
// request when that text would not read back as exactly the same arguments.
func requestTokens(req *Request) ([]Token, error) {
	if req.Args == nil {
		return Tokens(req.Text)
	}
	if len(req.Args) == 0 || req.Args[0] == "" || len(req.Args) > MaxArgs {
		return nil, syntaxErrorf("the request the bot built has no verb or too many arguments")
	}
	var b strings.Builder
	toks := make([]Token, 0, len(req.Args))
	for i, a := range req.Args {
		a = strings.Join(strings.Fields(a), " ")
		if err := checkText(a); err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		start := b.Len()
		kind := KindQuoted
		if i == 0 {
			kind = KindWord
			b.WriteString(a)
		} else {
			b.WriteString(QuoteArg(a))
		}
		toks = append(toks, Token{Kind: kind, Text: a, Start: start, End: b.Len()})
	}
	text := b.String()
	back, err := Tokenize(text)
	if err != nil || !slices.Equal(back, tokenTexts(toks)) {
		return nil, syntaxErrorf("an argument holds characters that cannot be passed on as given")
	}
	req.Text = text
	return toks, nil
}

func tokenTexts(toks []Token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Text
	}
	return out
}
