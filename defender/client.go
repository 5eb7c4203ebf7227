package defender

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

const (
	moduleName    = "mdebot/defender"
	moduleVersion = "v1"

	// MaxPageSize is the largest $top MDE accepts on a list.
	MaxPageSize = 10000

	defaultTryTimeout   = 30 * time.Second
	huntingTryTimeout   = 210 * time.Second // MDE lets one query run for 200 s
	maxErrorBody        = 1 << 20
	defaultMaxRetries   = 4
	defaultRetryDelay   = 1 * time.Second
	defaultMaxRetryWait = 2 * time.Minute
)

// Client calls the MDE API. It is safe for concurrent use; create one per process so that every
// caller shares its token cache and rate limiter.
type Client struct {
	base     *url.URL
	pipeline runtime.Pipeline
	limiter  *Limiter
	retry    policy.RetryOptions
	// prefix goes between the base URL and a call's path: "api/" for MDE, "v1.0/" for Graph.
	prefix string
	// graph is set on a Microsoft Graph client (NewGraph).
	graph bool
	// reserved marks the client of approved actions (Reserved).
	reserved bool
}

// Reserved returns a client that shares c's pipeline, token cache and limiter but draws on the
// share of every budget kept for approved actions and their follow-up. Give it only to the code
// that runs approved actions, never to chat look-ups.
func (c *Client) Reserved() *Client {
	r := *c
	r.reserved = true
	return &r
}

type options struct {
	baseURL   string
	scope     string
	transport policy.Transporter
	retry     policy.RetryOptions
	limiter   *Limiter
	metrics   *Metrics
}

// Option configures a Client.
type Option func(*options)

// WithBaseURL sets the API base, e.g. a regional host or a test server. The default is the public
// cloud's host.
func WithBaseURL(u string) Option { return func(o *options) { o.baseURL = u } }

// WithScope sets the token scope. The default is the public cloud's scope; it never follows the
// base URL, since regional hosts share the global audience.
func WithScope(scope string) Option { return func(o *options) { o.scope = scope } }

// WithTransport sets the HTTP transport, e.g. an *http.Client that trusts a test CA.
func WithTransport(t policy.Transporter) Option { return func(o *options) { o.transport = t } }

// WithRetry replaces the retry options (attempts, delays, per-try timeout).
func WithRetry(r policy.RetryOptions) Option { return func(o *options) { o.retry = r } }

// WithLimiter shares a rate limiter between clients, or sets a custom one (tests use
// NewLimiter(Unlimited())).
func WithLimiter(l *Limiter) Option { return func(o *options) { o.limiter = l } }

// New returns an MDE client that authenticates with cred.
func New(cred azcore.TokenCredential, opts ...Option) (*Client, error) {
	public, _ := LookupCloud("public")
	return newClient(cred, "mde", public.APIURL, public.Scope, "api/", opts)
}

// newClient builds a client of api ("mde" or "graph", its metrics label).
func newClient(cred azcore.TokenCredential, api, baseURL, scope, prefix string, opts []Option) (*Client, error) {
	if cred == nil {
		return nil, errors.New("defender: a token credential is required")
	}
	o := options{
		baseURL: baseURL,
		scope:   scope,
		retry: policy.RetryOptions{
			MaxRetries:    defaultMaxRetries,
			TryTimeout:    defaultTryTimeout,
			RetryDelay:    defaultRetryDelay,
			MaxRetryDelay: defaultMaxRetryWait,
		},
	}
	for _, opt := range opts {
		opt(&o)
	}
	base, err := url.Parse(strings.TrimRight(o.baseURL, "/"))
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("defender: invalid base URL")
	}
	if base.Scheme != "https" {
		return nil, fmt.Errorf("defender: the base URL must use https, so the token is never sent in the clear")
	}
	if strings.TrimSpace(o.scope) == "" {
		return nil, errors.New("defender: a token scope is required")
	}
	if o.limiter == nil {
		o.limiter = NewLimiter(DefaultLimits())
	}
	clientOpts := &policy.ClientOptions{
		Retry:     o.retry,
		Transport: o.transport,
		Telemetry: policy.TelemetryOptions{ApplicationID: "mdebot"},
	}
	var limit policy.Policy = o.limiter
	if o.metrics != nil {
		limit = meteredLimiter{l: o.limiter, m: o.metrics.forAPI(api, o.limiter)}
	}
	pl := runtime.NewPipeline(moduleName, moduleVersion, runtime.PipelineOptions{
		// Each try waits for the shared limiter, then gets a (cached) token.
		PerRetry: []policy.Policy{limit, runtime.NewBearerTokenPolicy(cred, []string{o.scope}, nil)},
	}, clientOpts)
	return &Client{base: base, pipeline: pl, limiter: o.limiter, retry: o.retry, prefix: prefix}, nil
}

// BaseURL returns the API base the client calls.
func (c *Client) BaseURL() string { return c.base.String() }

// Limiter returns the client's rate limiter, for status reports.
func (c *Client) Limiter() *Limiter { return c.limiter }

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

// do sends the call and decodes a 2xx JSON reply into out (when out is non-nil). Any other status
// becomes an *APIError.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.reserved {
		ctx = withReserved(ctx)
	}
	req, err := runtime.NewRequest(ctx, cl.method, c.url(cl))
	if err != nil {
		return fmt.Errorf("defender: building %s request: %w", cl.method, err)
	}
	req.Raw().Header.Set("Accept", "application/json")
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return fmt.Errorf("defender: encoding request body: %w", err)
		}
		if err := req.SetBody(streamingNopCloser(b), "application/json"); err != nil {
			return fmt.Errorf("defender: setting request body: %w", err)
		}
	}
	if cl.noRetry || cl.long {
		r := c.retry
		if cl.noRetry {
			r.ShouldRetry = func(resp *http.Response, err error) bool {
				return err == nil && resp != nil && resp.StatusCode == http.StatusTooManyRequests
			}
		}
		if cl.long {
			r.TryTimeout = huntingTryTimeout
		}
		req = req.WithContext(policy.WithRetryOptions(ctx, r))
	}
	if cl.stream != nil {
		runtime.SkipBodyDownload(req)
	}
	resp, err := c.pipeline.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		var authErr *azidentity.AuthenticationFailedError
		if errors.As(err, &authErr) {
			api := "Defender"
			if c.graph {
				api = "Microsoft Graph"
			}
			return newSignInError(err, api)
		}
		return &TransportError{Method: cl.method, Path: c.redactPath(cl), Err: withoutQuery(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newAPIError(resp)
	}
	if cl.stream != nil {
		if err := cl.stream(resp.Body); err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			return fmt.Errorf("defender: reading %s %s: %w", cl.method, c.redactPath(cl), err)
		}
		return nil
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("defender: decoding %s %s: %w", cl.method, c.redactPath(cl), err)
	}
	return nil
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
