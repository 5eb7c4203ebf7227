package commands

import (
	"errors"
	"strings"
	"testing"
)

func TestUnescape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{`DeviceNetworkEvents | where RemoteUrl has "<http://evil.com|evil.com>" and X &gt; 3`,
			`DeviceNetworkEvents | where RemoteUrl has "evil.com" and X > 3`},
		{"by <@U1A|alice>  'a'\n<!here>", "by @U1A  'a'\n@here"},
		{"&amp;lt; stays", "&lt; stays"},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := Unescape(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Unescape(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"a\x00", "<!nope>", "\xff", "<http://a.b|c.d>"} {
		var se *SyntaxError
		if _, err := Unescape(in); !errors.As(err, &se) {
			t.Errorf("Unescape(%q) error = %v; want a *SyntaxError", in, err)
		}
	}
}

func TestKindString(t *testing.T) {
	t.Parallel()
	for k := KindWord; k <= KindURL; k++ {
		if s := k.String(); s == "" || strings.HasPrefix(s, "Kind(") {
			t.Errorf("Kind %d has no name", int(k))
		}
	}
	if got := Kind(99).String(); got != "Kind(99)" {
		t.Errorf("Kind(99).String() = %q", got)
	}
}
