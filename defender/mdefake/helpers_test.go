package mdefake

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const (
	testTenant = "11111111-2222-3333-4444-555555555555"
	testClient = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	testSecret = "s3cr3t-value-never-echoed"
	startTime  = "2026-11-01T12:00:00Z"
)

// testClock is the fixed start of the fake clock in tests.
func testClock(t testing.TB) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, startTime)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// apiClient sends requests to the fake's MDE API with a bearer token.
type apiClient struct {
	t     *testing.T
	f     *Fake
	token string
}

// setup starts a seeded fake with one app holding roles (all roles when none are given).
func setup(t *testing.T, opts Options, roles ...string) (*Fake, *apiClient) {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = testClock(t)
	}
	f := New(t, opts)
	if len(roles) == 0 {
		roles = AllRoles()
	}
	f.AddApp(App{TenantID: testTenant, ClientID: testClient, Secret: testSecret, Roles: roles})
	f.Seed()
	tok, err := f.AccessToken(testClient)
	if err != nil {
		t.Fatal(err)
	}
	return f, &apiClient{t: t, f: f, token: tok}
}

// do sends method path (relative to MDEURL, or absolute) with an optional raw JSON body.
func (c *apiClient) do(method, path, body string) (int, []byte, http.Header) {
	c.t.Helper()
	url := path
	if !strings.HasPrefix(path, "https://") {
		url = c.f.MDEURL() + path
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, url, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.f.HTTPClient().Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}

// decode sends a request, checks the status and decodes the reply into out (when not nil).
func (c *apiClient) decode(method, path, body string, wantStatus int, out any) {
	c.t.Helper()
	status, b, _ := c.do(method, path, body)
	if status != wantStatus {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, wantStatus, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// errorBody is the MDE error shape.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Target  string `json:"target"`
	} `json:"error"`
}

// wantError sends a request and checks the status and the error code.
func (c *apiClient) wantError(method, path, body string, wantStatus int, wantCode string) errorBody {
	c.t.Helper()
	var e errorBody
	c.decode(method, path, body, wantStatus, &e)
	if e.Error.Code != wantCode {
		c.t.Fatalf("%s %s: code %q, want %q (message %q)", method, path, e.Error.Code, wantCode, e.Error.Message)
	}
	if e.Error.Message == "" || len(e.Error.Target) != 36 {
		c.t.Fatalf("%s %s: error body lacks message or target GUID: %+v", method, path, e)
	}
	return e
}

// collection is a decoded OData collection reply.
type collection[T any] struct {
	Context  string `json:"@odata.context"`
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}
