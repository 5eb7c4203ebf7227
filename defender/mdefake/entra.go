package mdefake

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// tokenLifetime is how long issued access tokens are valid (real wall clock).
const tokenLifetime = time.Hour

// App is an Entra application registration the token endpoint accepts. A client proves itself
// with Secret, with a JWT assertion signed by Certificate's key, or with FederatedToken as the
// assertion (workload identity); whichever fields are set are accepted.
type App struct {
	TenantID       string
	ClientID       string
	Secret         string
	Certificate    *x509.Certificate
	FederatedToken string
	// Roles are the MDE (WindowsDefenderATP) application permissions put in the roles claim of
	// tokens for the MDE audience.
	Roles []string
	// GraphRoles are the Microsoft Graph application permissions put in the roles claim of
	// tokens for the Graph audience (ThreatHunting.Read.All for hunting).
	GraphRoles []string
}

// AddApp registers (or replaces) an application.
func (f *Fake) AddApp(app App) {
	f.mu.Lock()
	defer f.mu.Unlock()
	app.Roles, app.GraphRoles = cloneStrings(app.Roles), cloneStrings(app.GraphRoles)
	f.apps[app.ClientID] = &app
}

// SetGraphRoles changes the Graph roles of a registered application for tokens issued from now on.
func (f *Fake) SetGraphRoles(clientID string, roles []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if app, ok := f.apps[clientID]; ok {
		app.GraphRoles = cloneStrings(roles)
	}
}

// SetRoles changes the roles of a registered application for tokens issued from now on.
func (f *Fake) SetRoles(clientID string, roles []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if app, ok := f.apps[clientID]; ok {
		app.Roles = cloneStrings(roles)
	}
}

// TokenRequests returns how many tokens the token endpoint has granted.
func (f *Fake) TokenRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenGrants
}

// AccessToken mints an access token for a registered application with its current roles, without
// going through the token endpoint (and without counting in TokenRequests).
func (f *Fake) AccessToken(clientID string) (string, error) {
	f.mu.Lock()
	app, ok := f.apps[clientID]
	var a App
	if ok {
		a = *app
	}
	f.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("access token for %s: %w", clientID, ErrNotFound)
	}
	return f.mintToken(tokenSpec{tenant: a.TenantID, client: a.ClientID, roles: a.Roles, audience: f.audience, issued: time.Now(), ttl: tokenLifetime})
}

func (f *Fake) appFor(clientID string) (App, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	app, ok := f.apps[clientID]
	if !ok {
		return App{}, false
	}
	a := *app
	a.Roles, a.GraphRoles = cloneStrings(app.Roles), cloneStrings(app.GraphRoles)
	return a, true
}

func (f *Fake) tenantKnown(tenant string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, app := range f.apps {
		if strings.EqualFold(app.TenantID, tenant) {
			return true
		}
	}
	return false
}

// issuer is the iss of tokens for tenant, the same as the openid-configuration issuer.
func (f *Fake) issuer(tenant string) string { return f.entra.URL + "/" + tenant + "/v2.0" }

// serveEntra handles the authority: openid-configuration, JWKS and the v2.0 token endpoint.
func (f *Fake) serveEntra(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeEntraError(w, http.StatusBadRequest, "invalid_request", "AADSTS90014: The request body could not be read.")
		return
	}
	f.record(r, redactForm(body))
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		f.logger.Debug("entra request", "method", r.Method, "path", r.URL.Path, "status", sw.status)
	}()
	if f.applyFault(sw, r, writeEntraError) {
		return
	}
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(seg) < 2 {
		writeEntraError(sw, http.StatusNotFound, "invalid_request", "AADSTS90002: Tenant not found.")
		return
	}
	tenant, rest := seg[0], strings.ToLower(strings.Join(seg[1:], "/"))
	switch {
	case rest == "v2.0/.well-known/openid-configuration" && r.Method == http.MethodGet:
		f.openIDConfig(sw, r, tenant)
	case rest == "discovery/v2.0/keys" && r.Method == http.MethodGet:
		f.jwks(sw)
	case rest == "oauth2/v2.0/token" && r.Method == http.MethodPost:
		f.token(sw, r, tenant, body)
	default:
		writeEntraError(sw, http.StatusNotFound, "invalid_request", "AADSTS900561: The endpoint only accepts the documented methods and paths.")
	}
}

func (f *Fake) openIDConfig(w http.ResponseWriter, r *http.Request, tenant string) {
	if !f.tenantKnown(tenant) {
		writeEntraError(w, http.StatusBadRequest, "invalid_tenant", fmt.Sprintf("AADSTS90002: Tenant '%s' not found.", tenant))
		return
	}
	base := "https://" + r.Host + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                base + "/v2.0",
		"request_uri_parameter_supported":       false,
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"tenant_region_scope":                   "NA",
		"cloud_instance_name":                   "microsoftonline.com",
	})
}

func (f *Fake) jwks(w http.ResponseWriter) {
	pub := f.signKey.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": f.keyID,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// token implements the client-credentials grant.
func (f *Fake) token(w http.ResponseWriter, r *http.Request, tenant string, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		writeEntraError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: The request body must be form-encoded.")
		return
	}
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		writeEntraError(w, http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
		return
	}
	clientID := form.Get("client_id")
	if clientID == "" {
		writeEntraError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'client_id'.")
		return
	}
	if !f.tenantKnown(tenant) {
		writeEntraError(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf("AADSTS90002: Tenant '%s' not found.", tenant))
		return
	}
	app, ok := f.appFor(clientID)
	if !ok || !strings.EqualFold(app.TenantID, tenant) {
		writeEntraError(w, http.StatusBadRequest, "unauthorized_client", fmt.Sprintf("AADSTS700016: Application with identifier '%s' was not found in the directory '%s'.", clientID, tenant))
		return
	}
	endpoint := "https://" + r.Host + "/" + tenant + "/oauth2/v2.0/token"
	if err := f.checkClient(app, form, endpoint); err != nil {
		writeEntraError(w, http.StatusUnauthorized, "invalid_client", err.Error())
		return
	}
	audience, err := f.checkScope(form.Get("scope"), tenant)
	if err != nil {
		writeEntraError(w, http.StatusBadRequest, "invalid_scope", err.Error())
		return
	}
	roles := app.Roles
	if audience == GraphAudience {
		roles = app.GraphRoles
	}
	tok, err := f.mintToken(tokenSpec{tenant: app.TenantID, client: app.ClientID, roles: roles, audience: audience, issued: time.Now(), ttl: tokenLifetime})
	if err != nil {
		writeEntraError(w, http.StatusInternalServerError, "server_error", "AADSTS50000: There was an error issuing a token.")
		return
	}
	f.mu.Lock()
	f.tokenGrants++
	f.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store, no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     int(tokenLifetime.Seconds()),
		"ext_expires_in": int(tokenLifetime.Seconds()),
		"access_token":   tok,
	})
}

// checkScope accepts exactly one resource scope, the MDE audience's or Graph's + "/.default",
// beside OIDC scopes, and returns that audience.
func (f *Fake) checkScope(scope, tenant string) (string, error) {
	var resources []string
	for s := range strings.FieldsSeq(scope) {
		if !slices.Contains([]string{"openid", "offline_access", "profile", "email"}, s) {
			resources = append(resources, s)
		}
	}
	if len(resources) == 0 {
		return "", fmt.Errorf("AADSTS90014: The required field 'scope' is missing from the credential")
	}
	for _, s := range resources {
		if !strings.HasSuffix(s, "/.default") {
			return "", fmt.Errorf("AADSTS1002012: The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)", s)
		}
	}
	resource := strings.TrimSuffix(resources[0], "/.default")
	if len(resources) > 1 || (!strings.EqualFold(resource, f.audience) && !strings.EqualFold(resource, GraphAudience)) {
		return "", fmt.Errorf("AADSTS500011: The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant", resource, tenant)
	}
	if strings.EqualFold(resource, GraphAudience) {
		return GraphAudience, nil
	}
	return f.audience, nil
}

// writeEntraError writes an OAuth error in the shape Entra uses.
func writeEntraError(w http.ResponseWriter, status int, code, description string) {
	id := uuid.NewString()
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": description + " Trace ID: " + id,
		"error_codes":       []int{aadstsCode(description)},
		"timestamp":         time.Now().UTC().Format("2006-01-02 15:04:05Z"),
		"trace_id":          id,
		"correlation_id":    uuid.NewString(),
	})
}

// aadstsCode extracts the number of an "AADSTSnnn:" prefix, or 0.
func aadstsCode(description string) int {
	var n int
	_, _ = fmt.Sscanf(description, "AADSTS%d:", &n)
	return n
}
