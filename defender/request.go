package defender

import (
	"bytes"
	"errors"
	"io"
	"net/url"
	"strings"
)

// call describes one request.
type call struct {
	method string
	path   string     // relative to /api and already escaped, e.g. "alerts/123"
	query  url.Values // may be nil
	body   any        // marshalled as JSON when non-nil
	// absolute, when set, is a full URL already checked to be on the base host (a nextLink).
	absolute *url.URL
	// noRetry limits retries to 429, for requests that must not run twice (response actions).
	noRetry bool
	// long is for advanced hunting, which may run for 200 s.
	long bool
	// stream, when set, reads a 2xx body as it arrives (out is then ignored): the pipeline does
	// not download it first (runtime.SkipBodyDownload), so a large reply (a 10,000-alert page, a
	// 100,000-row hunt) is never held whole. A failure while reading is the call's error and is
	// not retried.
	stream func(io.Reader) error
}

func (c *Client) url(cl call) string {
	if cl.absolute != nil {
		return cl.absolute.String()
	}
	// cl.path is already escaped (see segment); keep it as the raw path so that characters MDE
	// shows literally, such as findbyip(ip='...'), are sent as they are.
	u := *c.base
	u.RawPath = strings.TrimRight(u.EscapedPath(), "/") + "/" + c.prefix + cl.path
	if p, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = p
	}
	if len(cl.query) > 0 {
		// url.Values.Encode sorts keys; MDE reads $-prefixed options unescaped or escaped alike.
		u.RawQuery = encodeQuery(cl.query)
	}
	return u.String()
}

// encodeQuery encodes like url.Values.Encode but keeps '$' literal in keys, which reads better in
// logs and matches the docs' examples.
func encodeQuery(v url.Values) string {
	s := v.Encode()
	return strings.ReplaceAll(s, "%24", "$")
}

// redactPath names the endpoint without its query (a $filter may hold user input or be long).
func (c *Client) redactPath(cl call) string {
	if cl.absolute != nil {
		return cl.absolute.Path
	}
	return "/" + c.prefix + cl.path
}

// withoutQuery drops the query from a *url.Error's URL: a $filter can be long and hold user input.
func withoutQuery(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			ue.URL = u.String()
		}
	}
	return err
}

// streamingNopCloser wraps a byte slice as the io.ReadSeekCloser azcore needs to rewind bodies.
func streamingNopCloser(b []byte) io.ReadSeekCloser {
	return nopCloser{bytes.NewReader(b)}
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// segment checks and escapes one path segment supplied by a caller (an id, a computer name, a
// domain): it must be non-empty, not "." or "..", and free of control characters, so that no
// input can reach another endpoint.
func segment(s string) (string, error) {
	if s == "" || s == "." || s == ".." {
		return "", &ValidationError{Kind: "identifier", Reason: "it is empty or a dot path"}
	}
	if len(s) > 512 {
		return "", &ValidationError{Kind: "identifier", Reason: "it is longer than 512 characters"}
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return "", &ValidationError{Kind: "identifier", Reason: "it contains control characters"}
		}
	}
	return url.PathEscape(s), nil
}
