package store

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// skip_verify=true trusts any certificate; go-redis accepts it silently, and Open used to as
// well. It is refused unless the caller allows it on purpose (MDEBOT_REDIS_INSECURE=true).
func TestOpenRefusesSkipVerify(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"rediss://:s3cret@127.0.0.1:1/0?skip_verify=true",
		"rediss+sentinel://127.0.0.1:1/mymaster?skip_verify=true",
	} {
		if !InsecureTLS(u) {
			t.Errorf("InsecureTLS(%s) = false", u)
		}
		_, err := Open(t.Context(), u, OpenOptions{})
		if !errors.Is(err, ErrInsecureTLS) || !errors.Is(err, ErrInvalidURL) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%s) = %v, want ErrInsecureTLS without the password", u, err)
		}
		// Allowed on purpose, it goes on to connect (and finds nobody on port 1).
		_, err = Open(t.Context(), u, OpenOptions{AllowInsecureTLS: true, DialTimeout: 200 * time.Millisecond, MaxRetries: -1, DialerRetries: 1})
		if err == nil || errors.Is(err, ErrInsecureTLS) {
			t.Errorf("Open(%s) allowed: %v, want a connection error", u, err)
		}
	}
	for _, u := range []string{"rediss://127.0.0.1:1/0", "rediss://127.0.0.1:1/0?skip_verify=false", "redis://127.0.0.1:1/0"} {
		if InsecureTLS(u) {
			t.Errorf("InsecureTLS(%s) = true", u)
		}
	}
}
