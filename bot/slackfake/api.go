package slackfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxBody caps every request body the fake reads.
const maxBody = 16 << 20

// slackError is a Web API error code, answered as {"ok":false,"error":code}.
type slackError string

func (e slackError) Error() string { return string(e) }

// missingScope is the missing_scope answer; its value is the scope the call needed.
type missingScope string

func (e missingScope) Error() string { return "missing_scope: " + string(e) }

// apiHandler serves one Web API method; the fake adds "ok":true to its reply.
type apiHandler func(req *apiRequest) (map[string]any, error)

// tokenKind says which token a method needs.
type tokenKind int

const (
	botToken tokenKind = iota
	appToken
)

// route returns the handler and the token kind for a Web API method.
func (f *Fake) route(method string) (apiHandler, tokenKind, bool) {
	switch method {
	case "apps.connections.open":
		return f.appsConnectionsOpen, appToken, true
	case "auth.test":
		return f.authTest, botToken, true
	case "chat.postMessage":
		return f.chatPostMessage, botToken, true
	case "chat.update":
		return f.chatUpdate, botToken, true
	case "chat.postEphemeral":
		return f.chatPostEphemeral, botToken, true
	case "chat.delete":
		return f.chatDelete, botToken, true
	case "chat.getPermalink":
		return f.chatGetPermalink, botToken, true
	case "views.open":
		return f.viewsOpen, botToken, true
	case "views.update":
		return f.viewsUpdate, botToken, true
	case "views.push":
		return f.viewsPush, botToken, true
	case "files.getUploadURLExternal":
		return f.filesGetUploadURLExternal, botToken, true
	case "files.completeUploadExternal":
		return f.filesCompleteUploadExternal, botToken, true
	case "usergroups.users.list":
		return f.usergroupsUsersList, botToken, true
	case "users.info":
		return f.usersInfo, botToken, true
	case "conversations.open":
		return f.conversationsOpen, botToken, true
	case "conversations.info":
		return f.conversationsInfo, botToken, true
	case "conversations.history":
		return f.conversationsHistory, botToken, true
	case "conversations.replies":
		return f.conversationsReplies, botToken, true
	}
	return nil, 0, false
}

// serveAPI answers POST or GET /api/<method> the way slack.com does: HTTP 200
// with {"ok":...}, except injected rate limits (429 with Retry-After).
func (f *Fake) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	f.mu.Lock()
	f.rec.calls[method]++
	f.notifyLocked()
	f.mu.Unlock()

	h, kind, ok := f.route(method)
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "unknown_method", "req_method": method})
		return
	}
	req, err := parseAPIRequest(r)
	if err != nil {
		f.log.Warn("bad api request", "method", method, "err", err)
		writeError(w, slackError("invalid_form_data"))
		return
	}
	if code := f.checkToken(req.token, kind); code != "" {
		writeError(w, slackError(code))
		return
	}
	if kind == botToken {
		// Every Web API answer to a valid token names the token's scopes in this header ("Working
		// with scopes", api.slack.com/legacy/oauth-scopes; slack-go/slack issue #1076,
		// slackapi/node-slack-sdk issue #292 show it as "X-OAuth-Scopes: files:read, chat:write:bot").
		w.Header().Set("X-OAuth-Scopes", strings.Join(f.opts.Scopes, ","))
	}
	if f.injectFault(w, method) || f.enforcePace(w, method, req) {
		return
	}
	out, err := h(req)
	if ms, ok := errors.AsType[missingScope](err); ok {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "missing_scope", "needed": string(ms),
			"provided": strings.Join(f.opts.Scopes, ",")})
		return
	}
	if se, ok := errors.AsType[slackError](err); ok {
		writeError(w, se)
		return
	}
	if err != nil {
		f.log.Error("api handler failed", "method", method, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]any{"ok": false, "error": "internal_error"})
		return
	}
	if out == nil {
		out = map[string]any{}
	}
	out["ok"] = true
	writeJSON(w, http.StatusOK, out)
}

// checkToken returns "" when tok is the token the method needs, else the
// error code Slack gives.
func (f *Fake) checkToken(tok string, kind tokenKind) string {
	want, other := f.opts.BotToken, f.opts.AppToken
	if kind == appToken {
		want, other = other, want
	}
	switch tok {
	case "":
		return "not_authed"
	case want:
		return ""
	case other:
		return "not_allowed_token_type"
	default:
		return "invalid_auth"
	}
}

// apiRequest is a parsed Web API call: form (body and query) or JSON body.
type apiRequest struct {
	form  url.Values
	body  map[string]json.RawMessage
	token string
}

func parseAPIRequest(r *http.Request) (*apiRequest, error) {
	r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
	req := &apiRequest{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		if t := bytes.TrimSpace(data); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
			if err := json.Unmarshal(t, &req.body); err != nil {
				return nil, fmt.Errorf("decode json body: %w", err)
			}
		}
		req.form = r.URL.Query()
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return nil, fmt.Errorf("parse multipart form: %w", err)
		}
		req.form = r.Form
	default:
		if err := r.ParseForm(); err != nil {
			return nil, fmt.Errorf("parse form: %w", err)
		}
		req.form = r.Form
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		req.token = tok
	} else {
		req.token = req.form.Get("token")
	}
	return req, nil
}

// has reports whether the call carried key at all.
func (r *apiRequest) has(key string) bool {
	if _, ok := r.form[key]; ok {
		return true
	}
	_, ok := r.body[key]
	return ok
}

// get returns a string argument from the form or the JSON body.
func (r *apiRequest) get(key string) string {
	if v, ok := r.form[key]; ok && len(v) > 0 {
		return v[0]
	}
	var s string
	if raw, ok := r.body[key]; ok && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

// raw returns a JSON argument: an object in a JSON body, or a form value
// that holds JSON (as "blocks" does in form-encoded calls).
func (r *apiRequest) raw(key string) json.RawMessage {
	if raw, ok := r.body[key]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return json.RawMessage(s) // JSON encoded as a string
		}
		return raw
	}
	if v := r.form.Get(key); v != "" {
		return json.RawMessage(v)
	}
	return nil
}

// flag returns a boolean argument ("true", "1", or JSON true).
func (r *apiRequest) flag(key string) bool {
	if raw, ok := r.body[key]; ok {
		var b bool
		return json.Unmarshal(raw, &b) == nil && b
	}
	v := r.form.Get(key)
	return v == "true" || v == "1"
}

func writeError(w http.ResponseWriter, code slackError) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": string(code)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
