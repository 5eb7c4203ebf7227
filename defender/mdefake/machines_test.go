package mdefake

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

func machineNames(ms []Machine) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ComputerDNSName)
	}
	return out
}

func TestMachines(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	var page collection[Machine]
	api.decode(http.MethodGet, "/api/machines", "", 200, &page)
	if len(page.Value) != 6 {
		t.Fatalf("%d machines, want 6", len(page.Value))
	}
	tests := []struct {
		filter string
		want   []string
	}{
		{"startswith(computerDnsName,'WEB01')", []string{DemoWebContoso, DemoWebFabrikam}},
		{"machineTags eq 'tier0'", []string{DemoDC}},
		{"healthStatus ne 'Active'", []string{DemoWebFabrikam}},
		{"riskScore eq 'High' or osPlatform eq 'Linux'", []string{DemoAlice, DemoLinux}},
		{"rbacGroupId eq 2 and lastSeen gt 2026-10-31T00:00:00Z", []string{DemoDC, DemoWebContoso}},
	}
	for _, tt := range tests {
		api.decode(http.MethodGet, "/api/machines?$filter="+url.QueryEscape(tt.filter), "", 200, &page)
		if got := machineNames(page.Value); !slices.Equal(got, tt.want) {
			t.Errorf("%q: %v, want %v", tt.filter, got, tt.want)
		}
	}
	api.wantError(http.MethodGet, "/api/machines?$filter="+url.QueryEscape("osBuild eq 22631"), "", 400, "ODataError")

	var m Machine
	api.decode(http.MethodGet, "/api/machines/"+MachineID(DemoDC), "", 200, &m)
	if m.ComputerDNSName != DemoDC || m.RBACGroupName != "Servers" || !slices.Equal(m.MachineTags, []string{"tier0"}) {
		t.Errorf("by id: %+v", m)
	}
	api.decode(http.MethodGet, "/api/machines/WEB01.FABRIKAM.LOCAL", "", 200, &m)
	if m.ID != MachineID(DemoWebFabrikam) {
		t.Errorf("by name: %+v", m)
	}
	api.wantError(http.MethodGet, "/api/machines/web01", "", 404, "ResourceNotFound")

	var users collection[User]
	api.decode(http.MethodGet, "/api/machines/"+MachineID(DemoDC)+"/logonusers", "", 200, &users)
	if len(users.Value) != 1 || users.Value[0].AccountName != "admin-t0" || !users.Value[0].IsDomainAdmin {
		t.Errorf("logon users %+v", users.Value)
	}
	var alerts collection[Alert]
	api.decode(http.MethodGet, "/api/machines/"+MachineID(DemoAlice)+"/alerts?$filter="+url.QueryEscape("status ne 'Resolved'"), "", 200, &alerts)
	if len(alerts.Value) != 3 {
		t.Errorf("alice's open alerts: %d", len(alerts.Value))
	}
	api.wantError(http.MethodGet, "/api/machines/nope/alerts", "", 404, "ResourceNotFound")
	if err := f.AddLogonUser("nope", User{AccountName: "x"}); err == nil {
		t.Error("AddLogonUser on an unknown machine succeeded")
	}
}

func TestFindMachines(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	ts := f.Now().Add(-2 * time.Hour).Format(time.RFC3339)
	var page collection[Machine]
	api.decode(http.MethodGet, "/api/machines/findbyip(ip='10.2.0.10',timestamp="+ts+")", "", 200, &page)
	if got := machineNames(page.Value); !slices.Equal(got, []string{DemoWebContoso}) {
		t.Errorf("findbyip: %v", got)
	}
	api.decode(http.MethodGet, "/api/machines/FindByIp(ip='192.0.2.1',timestamp="+ts+")", "", 200, &page)
	if len(page.Value) != 0 {
		t.Errorf("findbyip unknown: %v", machineNames(page.Value))
	}
	old := f.Now().Add(-31 * 24 * time.Hour).Format(time.RFC3339)
	api.wantError(http.MethodGet, "/api/machines/findbyip(ip='10.2.0.10',timestamp="+old+")", "", 400, "InvalidInput")
	api.wantError(http.MethodGet, "/api/machines/findbyip(ip='10.2.0',timestamp="+ts+")", "", 400, "InvalidIpAddress")
	api.wantError(http.MethodGet, "/api/machines/findbyip(ip='10.2.0.10')", "", 400, "MissingRequiredParameter")

	api.decode(http.MethodGet, "/api/machines/findbytag?tag=dmz", "", 200, &page)
	if got := machineNames(page.Value); !slices.Equal(got, []string{DemoWebContoso, DemoWebFabrikam}) {
		t.Errorf("findbytag: %v", got)
	}
	api.decode(http.MethodGet, "/api/machines/findbytag?tag=fab&useStartsWithFilter=true", "", 200, &page)
	if got := machineNames(page.Value); !slices.Equal(got, []string{DemoWebFabrikam}) {
		t.Errorf("findbytag prefix: %v", got)
	}
	api.decode(http.MethodGet, "/api/machines/findbytag?tag=fab&useStartsWithFilter=false", "", 200, &page)
	if len(page.Value) != 0 {
		t.Errorf("findbytag exact: %v", machineNames(page.Value))
	}
	api.wantError(http.MethodGet, "/api/machines/findbytag", "", 400, "MissingRequiredParameter")
}
