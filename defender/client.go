package defender

import (
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
