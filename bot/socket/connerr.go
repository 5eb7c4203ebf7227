package socket

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// ConnError is a socket-mode connection failure with its cause in words: DNS, TLS, the proxy, or
// Slack refusing SLACK_APP_TOKEN. Unwrap gives the error slack-go returned.
type ConnError struct {
	Cause string
	Err   error
}

func (e *ConnError) Error() string { return e.Cause }
func (e *ConnError) Unwrap() error { return e.Err }

// ExplainConnError says why socket mode could not connect. apps.connections.open takes the
// app-level token (xapp-, scope connections:write) and answers invalid_auth, not_authed,
// account_inactive or token_revoked when it is refused (slack-go stops on these); the WebSocket
// dial can fail on DNS, TLS or an HTTPS_PROXY. nil stays nil.
func ExplainConnError(err error) error {
	if err == nil {
		return nil
	}
	if ce, ok := errors.AsType[*slack.ConnectionErrorEvent](err); ok && ce.ErrorObj != nil {
		err = ce.ErrorObj
	}
	return &ConnError{Cause: connCause(err), Err: err}
}

func connCause(err error) string {
	msg := err.Error()
	switch msg {
	case "invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired":
		return "Slack refused SLACK_APP_TOKEN (" + msg + "): create an app-level token with the connections:write " +
			"scope (Basic Information, App-Level Tokens) and set SLACK_APP_TOKEN to it"
	case "not_allowed_token_type":
		return "SLACK_APP_TOKEN is not an app-level token (" + msg + "): it must start with xapp-"
	}
	if op, ok := errors.AsType[*net.OpError](err); ok && op.Op == "proxyconnect" {
		return "proxy: the HTTPS_PROXY could not be reached (" + msg + ")"
	}
	if strings.Contains(msg, "proxyconnect") || strings.Contains(msg, "Proxy Authentication Required") {
		return "proxy: the HTTPS_PROXY refused or failed the connection (" + msg + ")"
	}
	if dns, ok := errors.AsType[*net.DNSError](err); ok {
		return "DNS: " + dns.Name + " could not be resolved (" + msg + "); check the resolver and the egress"
	}
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	_, verify := errors.AsType[*tls.CertificateVerificationError](err)
	if verify || errors.As(err, &unknownCA) || errors.As(err, &hostname) || strings.Contains(msg, "tls:") {
		return "TLS: the server's certificate was not accepted (" + msg + "); behind a TLS-inspecting proxy, " +
			"add its CA to the system trust store or SSL_CERT_DIR"
	}
	return "connection failed: " + msg
}

// connEventCause is the cause of a connection_error, incoming_error or invalid_auth event.
func connEventCause(evt socketmode.Event) string {
	switch d := evt.Data.(type) {
	case *slack.ConnectionErrorEvent:
		return ExplainConnError(d).Error()
	case *slack.IncomingEventError:
		if d.ErrorObj != nil {
			return ExplainConnError(d.ErrorObj).Error()
		}
	case *slack.InvalidAuthEvent:
		return connCause(errors.New("invalid_auth"))
	}
	return string(evt.Type)
}
