package mdefake

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxRecorded is how many requests the fake remembers; older ones are dropped.
const maxRecorded = 10000

// Request is a request the fake received, with secrets redacted.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	// Body is the request body; client_secret and client_assertion of token requests are redacted.
	Body []byte
	// Header is the request header with Authorization replaced by "Bearer <redacted>".
	Header http.Header
	// At is when the request arrived, on the wall clock (MDE's rate limits are real time).
	At time.Time
}

// record remembers r (with body) for Requests.
func (f *Fake) record(r *http.Request, body []byte) {
	h := r.Header.Clone()
	if h.Get("Authorization") != "" {
		h.Set("Authorization", "Bearer <redacted>")
	}
	req := Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Body: append([]byte{}, body...), Header: h, At: time.Now()}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) >= maxRecorded {
		f.requests = append(f.requests[:0:0], f.requests[len(f.requests)-maxRecorded+1:]...)
	}
	f.requests = append(f.requests, req)
}

// redactForm hides the client secret and assertion of a form-encoded token request.
func redactForm(body []byte) []byte {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return []byte("<unparsable form redacted>")
	}
	for _, k := range []string{"client_secret", "client_assertion"} {
		if form.Has(k) {
			form.Set(k, "<redacted>")
		}
	}
	return []byte(form.Encode())
}

// Requests returns copies of the requests received by both servers, oldest first (at most the
// last 10,000).
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Request, len(f.requests))
	for i, r := range f.requests {
		r.Body = append([]byte{}, r.Body...)
		r.Header = r.Header.Clone()
		out[i] = r
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (f *Fake) ResetRequests() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
}

// RequestCount returns how many recorded requests have a path containing pathContains
// (case-insensitive).
func (f *Fake) RequestCount(pathContains string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.Contains(strings.ToLower(r.Path), strings.ToLower(pathContains)) {
			n++
		}
	}
	return n
}
