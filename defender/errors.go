package defender

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Sentinel errors for outcomes callers branch on.
var (
	// ErrNotFound matches an *APIError with status 404.
	ErrNotFound = errors.New("defender: not found")
	// ErrThrottled matches an *APIError with status 429 (after the retries gave up).
	ErrThrottled = errors.New("defender: throttled")
	// ErrForbidden matches an *APIError with status 403: the app lacks a permission or the tenant
	// a feature.
	ErrForbidden = errors.New("defender: forbidden")
	// ErrUnauthorized matches an *APIError with status 401.
	ErrUnauthorized = errors.New("defender: unauthorized")
	// ErrSignIn matches a *SignInError: Entra refused to issue a token (a wrong, expired or
	// rotated secret or certificate, a disabled app, a missing consent).
	ErrSignIn = errors.New("defender: no token from Entra")
	// ErrForeignNextLink is returned when a list's @odata.nextLink points at another scheme or
	// host than the base URL; following it would send the bearer token there.
	ErrForeignNextLink = errors.New("defender: refusing an @odata.nextLink to another host")
)

// APIError is a non-2xx reply from MDE. Message and Code come from MDE and are not meant for end
// users as they are; Target is MDE's correlation id, to quote to Microsoft support.
type APIError struct {
	StatusCode int
	Code       string
	Message    string
	Target     string
	// RetryAfter is the wait MDE asked for with a 429 or 503, zero when it gave none.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "defender: HTTP %d", e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Target != "" {
		b.WriteString(" (correlation " + e.Target + ")")
	}
	return b.String()
}

// Is lets errors.Is match the sentinels by status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrThrottled:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	}
	return false
}

// alreadyPending reports whether MDE refused an action because the same one is pending.
func (e *APIError) alreadyPending() bool {
	if e.StatusCode != http.StatusBadRequest {
		return false
	}
	return strings.EqualFold(e.Code, "ActiveRequestAlreadyExists") ||
		strings.Contains(strings.ToLower(e.Message), "already in progress")
}

// TransportError is a request that got no HTTP reply (connection refused, timeout, TLS failure).
// For a response action it is ambiguous: the action may or may not have been created.
type TransportError struct {
	Method string
	Path   string
	Err    error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("defender: %s %s: %v", e.Method, e.Path, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// SignInError is a request that was not sent because the credential got no token. When Refused
// is set, Entra answered and refused the credential (HTTP 4xx, an AADSTS code): retrying does not
// help until an administrator fixes a variable. Otherwise Entra could not be reached (DNS, TLS,
// timeout, proxy, or an Entra 5xx): retrying will help.
type SignInError struct {
	Err error
	// Refused is set when Entra answered with a 4xx.
	Refused bool
	// Code is the AADSTS number of a refusal, 0 when there is none.
	Code int
	// API is the API the token was for: "Defender" or "Microsoft Graph".
	API string
}

func (e *SignInError) Error() string { return "defender: no token from Entra: " + e.Err.Error() }

// Variable names the setting to fix for a refusal, from its AADSTS code. Microsoft warns that
// codes change ("Microsoft Entra authentication and authorization error codes",
// https://learn.microsoft.com/entra/identity-platform/reference-error-codes), so this is a hint
// with a safe default, never a decision.
func (e *SignInError) Variable() string {
	switch e.Code {
	case 7000215, 7000222, 7000218:
		return "AZURE_CLIENT_SECRET"
	case 700027, 700024, 700023:
		return "AZURE_CLIENT_CERTIFICATE_PATH"
	case 70021, 700212, 700213:
		return "AZURE_FEDERATED_TOKEN_FILE"
	case 700016:
		return "AZURE_CLIENT_ID"
	case 90002:
		return "AZURE_TENANT_ID"
	case 500011, 1002012, 90014:
		return "MDEBOT_CLOUD (or MDEBOT_DEFENDER_SCOPE), and the app's admin consent"
	}
	return "AZURE_TENANT_ID, AZURE_CLIENT_ID and the credential (AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE)"
}

// newSignInError sorts a credential's failure: a 4xx from Entra is a refusal, anything else
// (no reply at all, or a 5xx) means Entra could not be reached.
func newSignInError(err error, api string) *SignInError {
	e := &SignInError{Err: err, API: api}
	var authErr *azidentity.AuthenticationFailedError
	if errors.As(err, &authErr) && authErr.RawResponse != nil && authErr.RawResponse.StatusCode >= 400 && authErr.RawResponse.StatusCode < 500 {
		e.Refused = true
	}
	if m := aadsts.FindStringSubmatch(err.Error()); m != nil {
		e.Code, _ = strconv.Atoi(m[1])
	}
	return e
}

var aadsts = regexp.MustCompile(`AADSTS(\d+)`)

// Unwrap returns the credential's error.
func (e *SignInError) Unwrap() error { return e.Err }

// Is matches ErrSignIn.
func (e *SignInError) Is(target error) bool { return target == ErrSignIn }

// newAPIError reads an MDE error body ({"error":{"code","message","target"}}) through a size
// limit. A body of another shape keeps its first line as the message.
func newAPIError(resp *http.Response) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, RetryAfter: retryAfter(resp.Header, time.Now())}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Target  string `json:"target"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && (env.Error.Code != "" || env.Error.Message != "") {
		e.Code, e.Message, e.Target = env.Error.Code, env.Error.Message, env.Error.Target
		return e
	}
	msg := strings.TrimSpace(string(body))
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) > 200 {
		msg = msg[:200]
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	e.Message = msg
	return e
}

// retryAfter parses Retry-After as seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
