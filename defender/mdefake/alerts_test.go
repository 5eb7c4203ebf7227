package mdefake

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func alertIDs(as []Alert) []string {
	var ids []string
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return ids
}

func TestListAlertsQuery(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	all := f.Alerts()
	if len(all) != 12 {
		t.Fatalf("seeded %d alerts, want 12", len(all))
	}
	var page collection[Alert]
	api.decode(http.MethodGet, "/api/alerts", "", 200, &page)
	if len(page.Value) != 12 || page.NextLink != "" || !strings.HasSuffix(page.Context, "/api/$metadata#Alerts") {
		t.Fatalf("list: %d items, next %q, context %q", len(page.Value), page.NextLink, page.Context)
	}
	for _, a := range page.Value {
		if a.Evidence == nil || len(a.Evidence) != 0 {
			t.Fatalf("alert %s has evidence without $expand: %v", a.ID, a.Evidence)
		}
	}

	api.decode(http.MethodGet, "/api/alerts?$expand=evidence&$top=3&$skip=2", "", 200, &page)
	if diff := cmp.Diff(alertIDs(all[2:5]), alertIDs(page.Value)); diff != "" || page.NextLink != "" {
		t.Errorf("$top/$skip (-want +got):\n%s next %q", diff, page.NextLink)
	}
	if len(page.Value[0].Evidence) == 0 {
		t.Error("$expand=evidence returned no evidence")
	}

	filter := url.QueryEscape("severity eq 'High' and status ne 'Resolved' and lastUpdateTime ge 2026-10-01T00:00:00Z")
	api.decode(http.MethodGet, "/api/alerts?$filter="+filter, "", 200, &page)
	var want []string
	for _, a := range all {
		if a.Severity == "High" && a.Status != "Resolved" {
			want = append(want, a.ID)
		}
	}
	if diff := cmp.Diff(want, alertIDs(page.Value)); diff != "" || len(want) < 3 {
		t.Errorf("$filter (-want +got):\n%s", diff)
	}

	for _, q := range []string{
		"$filter=" + url.QueryEscape("title eq 'x'"),
		"$filter=" + url.QueryEscape("status eq"),
		"$top=10001", "$top=-1", "$skip=x", "$expand=machine", "$select=id",
	} {
		api.wantError(http.MethodGet, "/api/alerts?"+q, "", http.StatusBadRequest, "ODataError")
	}
}

func TestAlertsNextLink(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{PageSize: 5})
	filter := url.QueryEscape("status ne 'Unknown'")
	var got []string
	next := "/api/alerts?$filter=" + filter
	pages := 0
	for next != "" {
		var page collection[Alert]
		api.decode(http.MethodGet, next, "", 200, &page)
		got = append(got, alertIDs(page.Value)...)
		next = page.NextLink
		if next != "" && (!strings.HasPrefix(next, f.MDEURL()+"/api/alerts?") || !strings.Contains(next, "$filter=")) {
			t.Fatalf("nextLink %q", next)
		}
		pages++
	}
	if pages != 3 || !slices.Equal(got, alertIDs(f.Alerts())) {
		t.Errorf("%d pages, ids %v", pages, got)
	}
	var page collection[Alert]
	api.decode(http.MethodGet, "/api/alerts?$top=5", "", 200, &page)
	if page.NextLink != "" || len(page.Value) != 5 {
		t.Errorf("$top page: %d items, next %q", len(page.Value), page.NextLink)
	}

	f.SetNextLinkHost("https://evil.example.com")
	api.decode(http.MethodGet, "/api/alerts?$skip=5", "", 200, &page)
	if !strings.HasPrefix(page.NextLink, "https://evil.example.com/api/alerts?") || !strings.Contains(page.NextLink, "$skip=10") {
		t.Errorf("nextLink with NextLinkHost: %q", page.NextLink)
	}
}

func TestGetAlert(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	want := f.Alerts()[1]
	var got Alert
	api.decode(http.MethodGet, "/api/alerts/"+want.ID+"?$expand=evidence", "", 200, &got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("alert (-want +got):\n%s", diff)
	}
	api.decode(http.MethodGet, "/api/alerts/"+want.ID, "", 200, &got)
	if len(got.Evidence) != 0 {
		t.Error("evidence without $expand")
	}
	api.wantError(http.MethodGet, "/api/alerts/da000_1", "", 404, "ResourceNotFound")
}

func TestPatchAlert(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	id := f.Alerts()[1].ID
	f.Advance(time.Minute)
	var got Alert
	api.decode(http.MethodPatch, "/api/alerts/"+id,
		`{"status":"Resolved","assignedTo":"secop2@contoso.com","classification":"TruePositive","determination":"Malware","comment":"contained"}`, 200, &got)
	now := f.Now()
	if got.Status != "Resolved" || got.AssignedTo != "secop2@contoso.com" || got.Classification != "TruePositive" ||
		got.Determination != "Malware" || !got.LastUpdateTime.Equal(now) || got.ResolvedTime == nil || !got.ResolvedTime.Equal(now) {
		t.Errorf("patched alert %+v", got)
	}
	wantComment := AlertComment{Comment: "contained", CreatedBy: testClient, CreatedTime: now}
	if len(got.Comments) == 0 || got.Comments[len(got.Comments)-1] != wantComment {
		t.Errorf("comments %+v", got.Comments)
	}
	stored, _ := f.Alert(id)
	if stored.Status != "Resolved" {
		t.Error("PATCH not stored")
	}
	api.decode(http.MethodPatch, "/api/alerts/"+id, `{"status":"InProgress"}`, 200, &got)
	if got.ResolvedTime != nil {
		t.Error("resolvedTime kept after reopening")
	}

	for _, body := range []string{
		`{"status":"Closed"}`, `{"classification":"Maybe"}`, `{"determination":"Apt"}`,
		`{"Status":"Resolved"}`, `{"severity":"Low"}`, `{}`, `not json`, `{"comment":5}`,
	} {
		api.wantError(http.MethodPatch, "/api/alerts/"+id, body, 400, "InvalidRequestBody")
	}
	api.wantError(http.MethodPatch, "/api/alerts/nope", `{"status":"New"}`, 404, "ResourceNotFound")

	f.Advance(time.Hour)
	if err := f.UpdateAlert(id, func(a *Alert) { a.Severity = "Low" }); err != nil {
		t.Fatal(err)
	}
	stored, _ = f.Alert(id)
	if stored.Severity != "Low" || !stored.LastUpdateTime.Equal(f.Now()) {
		t.Errorf("UpdateAlert: %+v", stored)
	}
	if err := f.UpdateAlert("nope", func(*Alert) {}); err == nil {
		t.Error("UpdateAlert of an unknown id succeeded")
	}
}

func TestAlertRelated(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	ps := f.Alerts()[1] // PowerShell alert on alice's laptop: process, file, URL evidence.
	c2 := f.Alerts()[2] // C2 alert: IP and URL evidence.
	var m Machine
	api.decode(http.MethodGet, "/api/alerts/"+ps.ID+"/machine", "", 200, &m)
	if m.ComputerDNSName != DemoAlice {
		t.Errorf("machine %q", m.ComputerDNSName)
	}
	var files collection[File]
	api.decode(http.MethodGet, "/api/alerts/"+ps.ID+"/files", "", 200, &files)
	if len(files.Value) != 2 || files.Value[0].SHA1 != FakeSHA1("powershell.exe") || files.Value[0].FilePublisher != "Microsoft Corporation" {
		t.Errorf("files %+v", files.Value)
	}
	var ips collection[map[string]string]
	api.decode(http.MethodGet, "/api/alerts/"+c2.ID+"/ips", "", 200, &ips)
	if diff := cmp.Diff([]map[string]string{{"id": "198.51.100.23"}}, ips.Value); diff != "" {
		t.Errorf("ips (-want +got):\n%s", diff)
	}
	var domains collection[map[string]string]
	api.decode(http.MethodGet, "/api/alerts/"+ps.ID+"/domains", "", 200, &domains)
	if diff := cmp.Diff([]map[string]string{{"host": "malicious-cdn.example.net"}}, domains.Value); diff != "" {
		t.Errorf("domains (-want +got):\n%s", diff)
	}
	var u User
	api.decode(http.MethodGet, "/api/alerts/"+ps.ID+"/user", "", 200, &u)
	if u.AccountName != "alice" || u.AccountSID == "" {
		t.Errorf("user %+v", u)
	}
	noUser := f.AddAlert(Alert{Title: "no user", MachineID: "0000000000000000000000000000000000000000"})
	api.wantError(http.MethodGet, "/api/alerts/"+noUser.ID+"/user", "", 404, "ResourceNotFound")
	api.wantError(http.MethodGet, "/api/alerts/"+noUser.ID+"/machine", "", 404, "ResourceNotFound")
}
