package socket

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestExplainConnErrorNamesTheCause(t *testing.T) {
	t.Parallel()
	dns := &net.DNSError{Err: "no such host", Name: "wss-primary.slack.com", IsNotFound: true}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errors.New("invalid_auth"), "SLACK_APP_TOKEN"},
		{errors.New("not_allowed_token_type"), "xapp-"},
		{&slack.ConnectionErrorEvent{ErrorObj: fmt.Errorf("dial: %w", dns)}, "DNS: wss-primary.slack.com"},
		{fmt.Errorf("get: %w", x509.UnknownAuthorityError{}), "TLS:"},
		{&net.OpError{Op: "proxyconnect", Net: "tcp", Err: errors.New("connection refused")}, "proxy:"},
		{errors.New("something else"), "connection failed: something else"},
	} {
		got := ExplainConnError(tc.err)
		if !strings.Contains(got.Error(), tc.want) {
			t.Errorf("ExplainConnError(%v) = %q, want it to contain %q", tc.err, got, tc.want)
		}
		if errors.Unwrap(got) == nil {
			t.Errorf("ExplainConnError(%v) lost the error it explains", tc.err)
		}
	}
	if ExplainConnError(nil) != nil {
		t.Error("ExplainConnError(nil) != nil")
	}
}
