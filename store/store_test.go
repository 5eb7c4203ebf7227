package store

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKey(t *testing.T) {
	t.Parallel()
	got := []string{
		New(nil, "").key("claim", "alert:1"),
		New(nil, "tenant-a").key("once", "Ev1"),
		New(nil, "").key("approval", hashTag("req-9")),
	}
	want := []string{"mdebot:claim:alert:1", "tenant-a:once:Ev1", "mdebot:approval:{req-9}"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}

// TestHashTagSharesSlot checks that keys built with one tag hash on the same
// text in Redis Cluster (the part between the first '{' and the next '}'),
// so a script may touch them together.
func TestHashTagSharesSlot(t *testing.T) {
	t.Parallel()
	s := New(nil, "")
	for _, k := range []string{s.key("approval", hashTag("req-9")), s.key("approval-votes", hashTag("req-9"))} {
		_, rest, _ := strings.Cut(k, "{")
		tag, _, ok := strings.Cut(rest, "}")
		if !ok || tag != "req-9" {
			t.Errorf("key %q hashes on %q, want %q", k, tag, "req-9")
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	secrets := secretsOf(mustParse(t, "redis://u:p%2Fw0rd@h"))
	leaky := fmt.Errorf("dial %q: %w", "p/w0rd and p%2Fw0rd", io.EOF)
	err := redact(leaky, secrets)
	if strings.Contains(err.Error(), "w0rd") {
		t.Errorf("redact left the secret in %q", err)
	}
	if !IsUnavailable(err) || !errors.Is(err, ErrUnavailable) {
		t.Errorf("redact lost unavailability of %q", err)
	}
	if clean := io.ErrUnexpectedEOF; redact(clean, secrets) != clean {
		t.Error("redact changed an error without secrets")
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
