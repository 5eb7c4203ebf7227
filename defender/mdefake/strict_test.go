package mdefake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Each test here pins one way the real service is stricter than a naive fake; each fails against
// the lax behaviour the fake had before.

func TestListMachinesEmptyTenantIs404(t *testing.T) {
	t.Parallel()
	f := New(t, Options{Now: testClock(t)})
	f.AddApp(App{TenantID: testTenant, ClientID: testClient, Secret: testSecret, Roles: AllRoles()})
	tok, err := f.AccessToken(testClient)
	if err != nil {
		t.Fatal(err)
	}
	api := &apiClient{t: t, f: f, token: tok}
	api.wantError(http.MethodGet, "/api/machines", "", 404, "NotFound")
	api.decode(http.MethodGet, "/api/alerts", "", 200, nil) // other lists stay 200 and empty
}

func TestFileAlertsAcceptOnlySHA1(t *testing.T) {
	t.Parallel()
	_, api := setup(t, Options{})
	api.decode(http.MethodGet, "/api/files/"+FakeSHA1("mimikatz.exe")+"/alerts", "", 200, nil)
	api.wantError(http.MethodGet, "/api/files/"+FakeSHA256("mimikatz.exe")+"/alerts", "", 400, "InvalidHashValue")
	api.wantError(http.MethodGet, "/api/files/"+fakeMD5("mimikatz.exe")+"/alerts", "", 400, "InvalidHashValue")
}

func TestFindByIPRefusesAFutureTimestamp(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	at := func(d time.Duration) string {
		return "/api/machines/findbyip(ip='10.1.0.11',timestamp=" + f.Now().Add(d).Format("2006-01-02T15:04:05Z") + ")"
	}
	api.decode(http.MethodGet, at(-5*time.Minute), "", 200, nil)
	api.wantError(http.MethodGet, at(time.Minute), "", 400, "InvalidInput")
	api.wantError(http.MethodGet, at(-31*24*time.Hour), "", 400, "InvalidInput")
}

func TestFilterDatetimeAtMostSevenFractionalDigits(t *testing.T) {
	t.Parallel()
	_, api := setup(t, Options{})
	get := func(lit string) string {
		return "/api/alerts?$filter=" + url.QueryEscape("lastUpdateTime ge "+lit)
	}
	api.decode(http.MethodGet, get("2026-10-01T00:00:00Z"), "", 200, nil)
	api.decode(http.MethodGet, get("2026-10-01T00:00:00.1234567Z"), "", 200, nil)
	api.wantError(http.MethodGet, get("2026-10-01T00:00:00.123456789Z"), "", 400, "ODataError")
}

func TestDeterminationSpellings(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	id := f.Alerts()[0].ID
	body := func(det string) string {
		return `{"status":"Resolved","classification":"InformationalExpectedActivity","determination":"` + det + `"}`
	}
	f.SetDeterminationSpelling(SpellingUpdate)
	api.wantError(http.MethodPatch, "/api/alerts/"+id, body("ConfirmedUserActivity"), 400, "InvalidRequestBody")
	api.decode(http.MethodPatch, "/api/alerts/"+id, body("ConfirmedActivity"), 200, nil)
	f.SetDeterminationSpelling(SpellingResource)
	api.wantError(http.MethodPatch, "/api/alerts/"+id, body("ConfirmedActivity"), 400, "InvalidRequestBody")
	api.decode(http.MethodPatch, "/api/alerts/"+id, body("ConfirmedUserActivity"), 200, nil)
}

func TestRepeatedScanAnswersTheExistingAction(t *testing.T) {
	t.Parallel()
	_, api := setup(t, Options{})
	path := "/api/machines/" + MachineID(DemoAlice) + "/runAntiVirusScan"
	var first, second MachineAction
	api.decode(http.MethodPost, path, `{"Comment":"first","ScanType":"Quick"}`, 201, &first)
	api.decode(http.MethodPost, path, `{"Comment":"second","ScanType":"Quick"}`, 201, &second)
	if second.ID != first.ID || second.RequestorComment != "first" {
		t.Fatalf("second scan = %s %q, want the existing %s", second.ID, second.RequestorComment, first.ID)
	}
	api.decode(http.MethodPost, "/api/machines/"+MachineID(DemoAlice)+"/isolate", `{"Comment":"a","IsolationType":"Full"}`, 201, nil)
	api.wantError(http.MethodPost, "/api/machines/"+MachineID(DemoAlice)+"/isolate", `{"Comment":"b","IsolationType":"Full"}`, 400, "ActiveRequestAlreadyExists")
}

func TestQuotaPerAPI(t *testing.T) {
	t.Parallel()
	_, api := setup(t, Options{})
	for i := range 100 {
		if status, body, _ := api.do(http.MethodGet, "/api/alerts?$top=1", ""); status != 200 {
			t.Fatalf("call %d: %d %s", i+1, status, body)
		}
	}
	status, _, h := api.do(http.MethodGet, "/api/alerts?$top=1", "")
	if status != 429 {
		t.Fatalf("call 101 to one API in a minute: %d, want 429", status)
	}
	if s, err := strconv.Atoi(h.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Errorf("Retry-After %q, want 1..60 seconds", h.Get("Retry-After"))
	}
	api.decode(http.MethodGet, "/api/machines?$top=1", "", 200, nil) // another API has its own quota
}

func TestTokensCarryTheRolesGrantedPerResource(t *testing.T) {
	t.Parallel()
	f := New(t, Options{})
	f.AddApp(App{TenantID: testTenant, ClientID: testClient, Secret: testSecret,
		Roles: []string{"Machine.Read.All"}, GraphRoles: []string{"ThreatHunting.Read.All"}})
	for scope, want := range map[string]string{f.Scope(): "Machine.Read.All", f.GraphScope(): "ThreatHunting.Read.All"} {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret}, "scope": {scope}}
		resp, err := f.HTTPClient().PostForm(f.AuthorityURL()+testTenant+"/oauth2/v2.0/token", form)
		if err != nil {
			t.Fatal(err)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		err = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			Aud   string   `json:"aud"`
			Roles []string `json:"roles"`
		}
		parts := strings.Split(tok.AccessToken, ".")
		if len(parts) != 3 {
			t.Fatalf("token for %s is not a JWT", scope)
		}
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		if err := json.Unmarshal(payload, &claims); err != nil {
			t.Fatal(err)
		}
		if claims.Aud+"/.default" != scope || len(claims.Roles) != 1 || claims.Roles[0] != want {
			t.Errorf("token for %s: aud %q roles %q, want roles [%s]", scope, claims.Aud, claims.Roles, want)
		}
	}
}
