package defender

import (
	"context"
	"embed"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

const testToken = "test-token-value"

// staticCred is a token credential for unit tests of the request path; the integration tests
// (integration_test.go) use the real azidentity credentials against the fake Entra.
type staticCred struct{ calls atomic.Int32 }

func (s *staticCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	s.calls.Add(1)
	return azcore.AccessToken{Token: testToken, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// basePath is where the API lives on the test server, so a request built without the base URL's
// path fails loudly (go-github's trick).
const basePath = "/mde"

// setup starts a TLS server whose handler is mux, mounted under basePath, and a client for it.
func setup(t *testing.T, opts ...Option) (*Client, *http.ServeMux, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	outer := http.NewServeMux()
	outer.Handle(basePath+"/", http.StripPrefix(basePath, mux))
	outer.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path: %s %s", r.Method, r.URL.Path)
		http.Error(w, "outside base path", http.StatusBadGateway)
	})
	srv := httptest.NewTLSServer(outer)
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true // no idle connection goroutines, so synctest bubbles can settle
	base := []Option{
		WithBaseURL(srv.URL + basePath),
		WithTransport(&http.Client{Transport: tr}),
		WithLimiter(NewLimiter(Unlimited())),
		WithRetry(policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond, MaxRetryDelay: 50 * time.Millisecond, TryTimeout: 10 * time.Second}),
	}
	c, err := New(&staticCred{}, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mux, srv
}

//go:embed testdata/*.json
var testdataFS embed.FS

// recorded is what a handler saw.
type recorded struct {
	Method, Path, Query, Auth, ContentType string
	Body                                   []byte
}

// record returns a handler that records the request and replies with status and body.
func record(got *recorded, status int, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*got = recorded{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Body: b}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}

func retryOpts(maxRetries int32, maxDelay time.Duration) policy.RetryOptions {
	return policy.RetryOptions{MaxRetries: maxRetries, RetryDelay: time.Millisecond, MaxRetryDelay: maxDelay, TryTimeout: 10 * time.Second}
}
