package mdefake

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFileLookups(t *testing.T) {
	t.Parallel()
	_, api := setup(t, Options{})
	mimi := FakeSHA1("mimikatz.exe")
	var file File
	api.decode(http.MethodGet, "/api/files/"+mimi, "", 200, &file)
	if file.DeterminationValue != "HackTool:Win64/Mimikatz" || file.SHA256 != FakeSHA256("mimikatz.exe") {
		t.Errorf("file %+v", file)
	}
	api.decode(http.MethodGet, "/api/files/"+FakeSHA256("payload.ps1"), "", 200, &file) // only in evidence
	if file.SHA1 != FakeSHA1("payload.ps1") {
		t.Errorf("evidence-only file %+v", file)
	}
	api.wantError(http.MethodGet, "/api/files/"+FakeSHA1("unknown"), "", 404, "ResourceNotFound")
	api.wantError(http.MethodGet, "/api/files/xyz", "", 400, "InvalidHashValue")

	var st FileStats
	api.decode(http.MethodGet, "/api/files/"+mimi+"/stats?lookBackHours=48", "", 200, &st)
	if st.OrganizationPrevalence != 1 || st.GloballyPrevalence != 1540 || !slices.Equal(st.TopFileNames, []string{"mimikatz.exe"}) || st.OrgFirstSeen == nil {
		t.Errorf("stats %+v", st)
	}
	api.decode(http.MethodGet, "/api/files/"+mimi+"/stats?lookBackHours=1", "", 200, &st)
	if st.OrganizationPrevalence != 0 {
		t.Errorf("stats outside window: %+v", st)
	}
	api.wantError(http.MethodGet, "/api/files/"+mimi+"/stats?lookBackHours=721", "", 400, "InvalidInput")

	var alerts collection[Alert]
	api.decode(http.MethodGet, "/api/files/"+mimi+"/alerts", "", 200, &alerts)
	if len(alerts.Value) != 1 || alerts.Value[0].ComputerDNSName != DemoDC {
		t.Errorf("file alerts %+v", alerts.Value)
	}
	var machines collection[Machine]
	api.decode(http.MethodGet, "/api/files/"+mimi+"/machines", "", 200, &machines)
	if diff := cmp.Diff([]string{DemoDC}, machineNames(machines.Value)); diff != "" {
		t.Errorf("file machines (-want +got):\n%s", diff)
	}
	api.decode(http.MethodGet, "/api/files/"+FakeSHA1("unknown")+"/machines", "", 200, &machines)
	if len(machines.Value) != 0 {
		t.Error("unknown file has machines")
	}
	api.wantError(http.MethodGet, "/api/files/"+FakeSHA256("x")+"/machines", "", 400, "InvalidHashValue")
}

func TestNetworkAndUserLookups(t *testing.T) {
	t.Parallel()
	_, api := setup(t, Options{})
	var ip IPStats
	api.decode(http.MethodGet, "/api/ips/198.51.100.23/stats", "", 200, &ip)
	if ip.IPAddress != "198.51.100.23" || ip.OrganizationPrevalence != 1 {
		t.Errorf("ip stats %+v", ip)
	}
	api.decode(http.MethodGet, "/api/ips/192.0.2.200/stats", "", 200, &ip)
	if ip.OrganizationPrevalence != 0 || ip.OrgFirstSeen != nil {
		t.Errorf("unseen ip stats %+v", ip)
	}
	api.wantError(http.MethodGet, "/api/ips/999.1.1.1/stats", "", 400, "InvalidIpAddress")
	var alerts collection[Alert]
	api.decode(http.MethodGet, "/api/ips/10.1.2.3/alerts", "", 200, &alerts)
	if len(alerts.Value) != 1 || alerts.Value[0].ComputerDNSName != DemoDC {
		t.Errorf("ip alerts %+v", alerts.Value)
	}

	var dom DomainStats
	api.decode(http.MethodGet, "/api/domains/malicious-cdn.example.net/stats?lookBackHours=720", "", 200, &dom)
	if dom.Host != "malicious-cdn.example.net" || dom.OrganizationPrevalence != 1 {
		t.Errorf("domain stats %+v", dom)
	}
	api.decode(http.MethodGet, "/api/domains/storage.example.com/alerts", "", 200, &alerts)
	if len(alerts.Value) != 1 {
		t.Errorf("domain alerts %d", len(alerts.Value))
	}
	var machines collection[Machine]
	api.decode(http.MethodGet, "/api/domains/storage.example.com/machines", "", 200, &machines)
	if diff := cmp.Diff([]string{DemoWebContoso}, machineNames(machines.Value)); diff != "" {
		t.Errorf("domain machines (-want +got):\n%s", diff)
	}
	api.wantError(http.MethodGet, "/api/domains/not_a_domain/stats", "", 400, "InvalidDomainName")

	api.decode(http.MethodGet, "/api/users/alice/alerts", "", 200, &alerts)
	if len(alerts.Value) != 4 {
		t.Errorf("alice's alerts: %d", len(alerts.Value))
	}
	api.decode(http.MethodGet, "/api/users/alice@contoso.com/alerts", "", 200, &alerts)
	if len(alerts.Value) != 0 {
		t.Errorf("UPN matched %d alerts", len(alerts.Value))
	}
	api.decode(http.MethodGet, "/api/users/svc-web/machines", "", 200, &machines)
	if diff := cmp.Diff([]string{DemoWebContoso}, machineNames(machines.Value)); diff != "" {
		t.Errorf("user machines (-want +got):\n%s", diff)
	}
}

func TestHunting(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	type result struct {
		Schema  []HuntingColumn
		Results []map[string]any
	}
	var r result
	api.decode(http.MethodPost, "/api/advancedqueries/run", `{"Query":"DeviceProcessEvents | take 5"}`, 200, &r)
	if len(r.Schema) == 0 || len(r.Results) != 6 {
		t.Errorf("default hunting: %d columns, %d rows", len(r.Schema), len(r.Results))
	}
	var got string
	f.SetHunting(func(q string) ([]HuntingColumn, []map[string]any, error) {
		got = q
		if q == "bad" {
			return nil, nil, errors.New("Syntax error: unknown table")
		}
		return []HuntingColumn{{Name: "N", Type: "Int64"}}, []map[string]any{{"N": 1.0}}, nil
	})
	r = result{}
	api.decode(http.MethodPost, "/api/advancedqueries/run", `{"Query":"DeviceInfo | count"}`, 200, &r)
	want := result{Schema: []HuntingColumn{{Name: "N", Type: "Int64"}}, Results: []map[string]any{{"N": 1.0}}}
	if diff := cmp.Diff(want, r); diff != "" || got != "DeviceInfo | count" {
		t.Errorf("custom hunting (-want +got):\n%s query %q", diff, got)
	}
	api.wantError(http.MethodPost, "/api/advancedqueries/run", `{"Query":"bad"}`, 400, "BadRequest")
	api.wantError(http.MethodPost, "/api/advancedqueries/run", `{"Query":""}`, 400, "MissingRequiredParameter")
	api.wantError(http.MethodPost, "/api/advancedqueries/run", `{"query":"x"}`, 400, "InvalidRequestBody")
}

func TestAddAlertsPaging(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	ids := f.AddAlerts(2500)
	if len(ids) != 2500 || ids[0] == ids[1] {
		t.Fatalf("AddAlerts ids %d", len(ids))
	}
	a0, _ := f.Alert(ids[0])
	a1, _ := f.Alert(ids[1])
	last, _ := f.Alert(ids[len(ids)-1])
	if !a0.LastUpdateTime.Equal(a1.LastUpdateTime) || !last.LastUpdateTime.Equal(f.Now()) {
		t.Errorf("lastUpdateTime: %v %v, last %v now %v", a0.LastUpdateTime, a1.LastUpdateTime, last.LastUpdateTime, f.Now())
	}
	since := f.Now().Add(-10 * time.Minute)
	want := 0
	for _, a := range f.Alerts() {
		if !a.LastUpdateTime.Before(since) {
			want++
		}
	}
	seen := map[string]bool{}
	filter := url.QueryEscape("lastUpdateTime ge " + since.Format(time.RFC3339))
	for skip := 0; ; skip += 1000 {
		var page collection[Alert]
		api.decode(http.MethodGet, "/api/alerts?$top=1000&$skip="+strconv.Itoa(skip)+"&$filter="+filter, "", 200, &page)
		for _, a := range page.Value {
			seen[a.ID] = true
		}
		if len(page.Value) < 1000 {
			break
		}
	}
	if len(seen) != want || want < 1000 {
		t.Errorf("alerts in the last 10 minutes: %d, want %d", len(seen), want)
	}
}

// BenchmarkListAlerts lists 10,000 alerts in pages of 1,000.
func BenchmarkListAlerts(b *testing.B) {
	f := New(b, Options{})
	f.AddApp(App{TenantID: testTenant, ClientID: testClient, Roles: AllRoles()})
	f.AddAlerts(10000)
	tok, err := f.AccessToken(testClient)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for skip := 0; skip < 10000; skip += 1000 {
			req, _ := http.NewRequestWithContext(b.Context(), http.MethodGet, f.MDEURL()+"/api/alerts?$top=1000&$skip="+strconv.Itoa(skip), nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := f.HTTPClient().Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	}
}
