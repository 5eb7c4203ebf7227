package commands

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		opts map[string]string
		pos  []string
	}{
		{"v a=1 b:2 word", map[string]string{"a": "1", "b": "2"}, []string{"word"}},
		{`v tag:"Finance PCs" B='x y'`, map[string]string{"tag": "Finance PCs", "b": "x y"}, nil},
		{`v "tag=not an option"`, map[string]string{}, []string{"tag=not an option"}},
		{`v ta"g=x"`, map[string]string{}, []string{"tag=x"}},
		{"v value=<http://evil.com|evil.com>", map[string]string{"value": "evil.com"}, nil},
		{"v <https://x.y/a=b>", map[string]string{}, []string{"https://x.y/a=b"}},
		{"v http://x.y", map[string]string{}, []string{"http://x.y"}},
		{"v A=1", map[string]string{"a": "1"}, nil},
		{"v a1=1", map[string]string{}, []string{"a1=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			toks, err := Tokens(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			c := &Call{Request: Request{Text: tt.text}, Verb: &Verb{Name: "v"}, Args: toks[1:]}
			opts, pos, err := options(c, "a", "b", "tag", "value")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pos {
				got = append(got, p.Text)
			}
			if diff := cmp.Diff(tt.opts, opts); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.pos, got); diff != "" {
				t.Errorf("positional (-want +got):\n%s", diff)
			}
		})
	}
}
