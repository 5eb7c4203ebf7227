package mdefake

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// GraphAudience is the token audience of Microsoft Graph's global service. The Graph fake accepts
// only tokens for it, whatever host it listens on: MDEBOT_GRAPH_URL moves the host, never the
// scope.
const GraphAudience = "https://graph.microsoft.com"

// GraphURL returns the Microsoft Graph host root, e.g. https://127.0.0.1:port (the client adds
// /v1.0/...).
func (f *Fake) GraphURL() string { return f.graph.URL }

// GraphScope returns the token scope Graph clients ask for.
func (f *Fake) GraphScope() string { return GraphAudience + "/.default" }

// serveGraph answers POST /v1.0/security/runHuntingQuery as Graph does ("security:
// runHuntingQuery", https://learn.microsoft.com/graph/api/security-security-runhuntingquery):
// a Graph-audience token holding ThreatHunting.Read.All, a JSON body {"Query", "Timespan"} with
// Query required, and a reply {"schema": [{name, type}], "results": [...]}. Errors have Graph's
// shape, {"error": {"code", "message", "innerError": {...}}}; calls past the hunting quota get
// 429 with Retry-After.
func (f *Fake) serveGraph(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() { f.logger.Debug("graph request", "method", r.Method, "path", r.URL.Path, "status", sw.status) }()
	body, err := readBody(r)
	if err != nil {
		writeGraphError(sw, http.StatusBadRequest, "BadRequest", "The request body could not be read.")
		return
	}
	f.record(r, body)
	if f.applyFault(sw, r, writeGraphError) {
		return
	}
	claims, err := f.authenticate(r, GraphAudience)
	if err != nil {
		sw.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeGraphError(sw, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure: "+err.Error()+".")
		return
	}
	if !strings.EqualFold(strings.TrimRight(r.URL.Path, "/"), "/v1.0/security/runHuntingQuery") {
		writeGraphError(sw, http.StatusNotFound, "ResourceNotFound", "Resource not found for the segment.")
		return
	}
	if r.Method != http.MethodPost {
		writeGraphError(sw, http.StatusMethodNotAllowed, "MethodNotAllowed", "The HTTP method is not allowed.")
		return
	}
	if !hasAnyRole(claims.Roles, []string{"ThreatHunting.Read.All"}) {
		writeGraphError(sw, http.StatusForbidden, "Forbidden", "Missing application permission ThreatHunting.Read.All.")
		return
	}
	if wait, ok := f.takeQuota("POST graph/security/runhuntingquery"); !ok {
		throttle(sw, wait, writeGraphError)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeGraphError(sw, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "The request body must be application/json.")
		return
	}
	obj, aerr := decodeObject(body, "Query", "Timespan")
	if aerr == nil {
		if _, _, aerr = obj.str("Timespan"); aerr == nil {
			var q string
			if q, aerr = obj.required("Query"); aerr == nil {
				f.answerHunt(sw, q)
				return
			}
		}
	}
	writeGraphError(sw, http.StatusBadRequest, "BadRequest", aerr.message)
}

// answerHunt runs the hunting function and writes the Graph result.
func (f *Fake) answerHunt(w http.ResponseWriter, q string) {
	schema, rows, err := f.answerHunting(q)
	if err != nil {
		writeGraphError(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	cols := make([]map[string]string, 0, len(schema))
	for _, c := range schema {
		cols = append(cols, map[string]string{"name": c.Name, "type": c.Type})
	}
	writeHunting(w, []member{
		{"@odata.context", "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults"},
		{"schema", cols},
	}, "results", rows)
}

// writeGraphError writes an error in Microsoft Graph's shape.
func writeGraphError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": message,
		"innerError": map[string]string{"date": time.Now().UTC().Format("2006-01-02T15:04:05"), "request-id": uuid.NewString(), "client-request-id": uuid.NewString()},
	}})
}
