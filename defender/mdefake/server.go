package mdefake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
)

// maxBody is the largest request body the fake reads.
const maxBody = 1 << 20

// route is one MDE endpoint. pattern holds lower-case literal segments, "*" for any segment, or
// a literal ending in "(*" for a function-call segment such as findbyip(...).
type route struct {
	method  string
	pattern []string
	roles   []string
	handle  func(*call)
}

// call is one authenticated MDE request being handled.
type call struct {
	f     *Fake
	w     http.ResponseWriter
	r     *http.Request
	seg   []string
	body  []byte
	appID string
	roles []string
}

// apiError is an MDE error a handler returns.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func badRequest(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return &apiError{status: http.StatusNotFound, code: "ResourceNotFound", message: fmt.Sprintf(format, args...)}
}

// fail writes e as an MDE error body.
func (c *call) fail(e *apiError) { writeError(c.w, e.status, e.code, e.message) }

// ok writes v as JSON with status 200.
func (c *call) ok(v any) { writeJSON(c.w, http.StatusOK, v) }

// serveMDE records the request, applies faults, authenticates, routes and checks roles.
func (f *Fake) serveMDE(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() { f.logger.Debug("mde request", "method", r.Method, "path", r.URL.Path, "status", sw.status) }()
	body, err := readBody(r)
	if err != nil {
		writeError(sw, http.StatusBadRequest, "InvalidRequestBody", "The request body could not be read.")
		return
	}
	f.record(r, body)
	if f.applyFault(sw, r, writeError) {
		return
	}
	if strings.HasPrefix(r.URL.Path, "/package/") {
		f.servePackage(sw, r)
		return
	}
	claims, err := f.authenticate(r, f.audience)
	if err != nil {
		sw.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(sw, http.StatusUnauthorized, "Unauthorized", "Authorization failed: "+err.Error()+".")
		return
	}
	seg, ok := apiSegments(r.URL.Path)
	if !ok {
		writeError(sw, http.StatusNotFound, "NotFound", "No API matches the requested path.")
		return
	}
	rt, status := f.match(r.Method, seg)
	switch status {
	case http.StatusNotFound:
		writeError(sw, status, "NotFound", "No API matches the requested path.")
		return
	case http.StatusMethodNotAllowed:
		writeError(sw, status, "MethodNotAllowed", "The HTTP method "+r.Method+" is not allowed for this path.")
		return
	}
	if !hasAnyRole(claims.Roles, rt.roles) {
		writeError(sw, http.StatusForbidden, "Forbidden", "The application does not have any of the required application permissions ("+strings.Join(rt.roles, ", ")+") to access the resource.")
		return
	}
	if wait, ok := f.takeQuota(routeKey(rt)); !ok {
		throttle(sw, wait, writeError)
		return
	}
	if len(body) > 0 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeError(sw, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "The request body must be application/json.")
		return
	}
	rt.handle(&call{f: f, w: sw, r: r, seg: seg, body: body, appID: claims.AppID, roles: claims.Roles})
}

// apiSegments strips /api or /api/v1.0 (case-insensitive) and splits the rest of the path.
func apiSegments(path string) ([]string, bool) {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	if len(seg) < 2 || !strings.EqualFold(seg[0], "api") {
		return nil, false
	}
	seg = seg[1:]
	if strings.EqualFold(seg[0], "v1.0") {
		seg = seg[1:]
	}
	if len(seg) == 0 || seg[0] == "" {
		return nil, false
	}
	return seg, true
}

// match finds the route for method and seg; status is 404 or 405 when there is none.
func (f *Fake) match(method string, seg []string) (route, int) {
	status := http.StatusNotFound
	for _, rt := range f.routes {
		if !patternMatches(rt.pattern, seg) {
			continue
		}
		if rt.method == method {
			return rt, http.StatusOK
		}
		status = http.StatusMethodNotAllowed
	}
	return route{}, status
}

func patternMatches(pattern, seg []string) bool {
	if len(pattern) != len(seg) {
		return false
	}
	for i, p := range pattern {
		s := strings.ToLower(seg[i])
		switch {
		case p == "*":
		case strings.HasSuffix(p, "(*"):
			if !strings.HasPrefix(s, strings.TrimSuffix(p, "*")) || !strings.HasSuffix(s, ")") {
				return false
			}
		case p != s:
			return false
		}
	}
	return true
}

// readBody reads at most maxBody bytes of the request body.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(b) > maxBody {
		return nil, errors.New("read body: too large")
	}
	return b, nil
}

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes {"error":{"code","message","target"}} with a fresh correlation id.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{
		"code": code, "message": message, "target": uuid.NewString(),
	}})
}

// statusWriter remembers the status code for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// baseURL is the scheme and host links in responses use.
func (c *call) baseURL() string { return "https://" + c.r.Host }

// queryValue returns the first value of a query option, matching its name case-insensitively.
func queryValue(q url.Values, name string) (string, bool) {
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0], true
		}
	}
	return "", false
}
