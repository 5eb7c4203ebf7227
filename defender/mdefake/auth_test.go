package mdefake

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestUnauthorized(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	expired, err := f.mintToken(tokenSpec{tenant: testTenant, client: testClient, roles: AllRoles(), audience: DefaultAudience, issued: time.Now().Add(-2 * time.Hour), ttl: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	wrongAud, err := f.mintToken(tokenSpec{tenant: testTenant, client: testClient, roles: AllRoles(), audience: "https://graph.microsoft.com", issued: time.Now(), ttl: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	other := New(t, Options{})
	other.AddApp(App{TenantID: testTenant, ClientID: testClient, Roles: AllRoles()})
	foreign, err := other.AccessToken(testClient)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, token, wantMsg string
	}{
		{"missing", "", "missing"},
		{"garbage", "not-a-jwt", "invalid"},
		{"other signer", foreign, "invalid"},
		{"expired", expired, "expired"},
		{"wrong audience", wrongAud, "audience"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &apiClient{t: t, f: f, token: tt.token}
			e := c.wantError(http.MethodGet, "/api/alerts", "", http.StatusUnauthorized, "Unauthorized")
			if !strings.Contains(e.Error.Message, tt.wantMsg) {
				t.Errorf("message %q does not mention %q", e.Error.Message, tt.wantMsg)
			}
		})
	}
	// Unknown paths still need a token first, then give 404.
	(&apiClient{t: t, f: f}).wantError(http.MethodGet, "/api/nothing", "", http.StatusUnauthorized, "Unauthorized")
	api.wantError(http.MethodGet, "/api/nothing", "", http.StatusNotFound, "NotFound")
	api.wantError(http.MethodDelete, "/api/alerts", "", http.StatusMethodNotAllowed, "MethodNotAllowed")
}

func TestForbiddenAndRoles(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{}, "Alert.Read.All")
	api.decode(http.MethodGet, "/api/alerts", "", 200, nil)
	api.decode(http.MethodGet, "/API/V1.0/Alerts", "", 200, nil)
	machine := MachineID(DemoAlice)
	forbidden := []struct{ method, path, body string }{
		{http.MethodGet, "/api/machines", ""},
		{http.MethodPatch, "/api/alerts/x", `{"status":"Resolved"}`},
		{http.MethodPost, "/api/machines/" + machine + "/isolate", `{"Comment":"c","IsolationType":"Full"}`},
		{http.MethodGet, "/api/indicators", ""},
		{http.MethodPost, "/api/advancedqueries/run", `{"Query":"DeviceInfo"}`},
		{http.MethodGet, "/api/ips/10.1.2.3/stats", ""},
	}
	for _, r := range forbidden {
		api.wantError(r.method, r.path, r.body, http.StatusForbidden, "Forbidden")
	}

	// Roles changed with SetRoles apply to tokens issued later, not to tokens already issued.
	f.SetRoles(testClient, []string{"Machine.ReadWrite.All", "Machine.Isolate"})
	api.wantError(http.MethodGet, "/api/machines", "", http.StatusForbidden, "Forbidden")
	tok, err := f.AccessToken(testClient)
	if err != nil {
		t.Fatal(err)
	}
	api.token = tok
	api.decode(http.MethodGet, "/api/machines", "", 200, nil)
	api.decode(http.MethodPost, "/api/machines/"+machine+"/isolate", `{"Comment":"c","IsolationType":"Full"}`, 201, nil)
	api.wantError(http.MethodGet, "/api/alerts", "", http.StatusForbidden, "Forbidden")
	// Cancelling accepts any action permission.
	var a MachineAction
	api.decode(http.MethodPost, "/api/machines/"+machine+"/unisolate", `{"Comment":"c"}`, 201, &a)
	api.decode(http.MethodPost, "/api/machineactions/"+a.ID+"/cancel", `{"Comment":"oops"}`, 200, nil)

	for _, r := range f.Requests() {
		if got := r.Header.Get("Authorization"); got != "Bearer <redacted>" {
			t.Fatalf("recorded Authorization %q", got)
		}
	}
}

func TestContentTypeRequired(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.MDEURL()+"/api/indicators", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+api.token)
	resp, err := f.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("status %d, want 415", resp.StatusCode)
	}
}
