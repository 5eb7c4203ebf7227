package mdefake

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMachineActionBodies(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	sha1 := FakeSHA1("mimikatz.exe")
	tests := []struct {
		action, body string
		status       int
		code         string
		scope        string
	}{
		{"isolate", `{"Comment":"c","IsolationType":"Full"}`, 201, "", "Full"},
		{"isolate", `{"Comment":"c","IsolationType":"Selective"}`, 400, "ActiveRequestAlreadyExists", ""},
		{"unisolate", `{"Comment":"c"}`, 201, "", ""},
		{"runAntiVirusScan", `{"Comment":"c","ScanType":"Quick"}`, 201, "", "Quick"},
		{"restrictCodeExecution", `{"Comment":"c"}`, 201, "", ""},
		{"unrestrictCodeExecution", `{"Comment":"c"}`, 201, "", ""},
		{"collectInvestigationPackage", `{"Comment":"c","ExternalID":"req-42"}`, 201, "", ""},
		{"StopAndQuarantineFile", `{"Comment":"c","Sha1":"` + sha1 + `"}`, 201, "", ""},
		{"isolate", `{"IsolationType":"Full"}`, 400, "MissingRequiredParameter", ""},
		{"unisolate", `{"Comment":"  "}`, 400, "MissingRequiredParameter", ""},
		{"unisolate", ``, 400, "MissingRequiredParameter", ""},
		{"unisolate", `{"comment":"lower case"}`, 400, "InvalidRequestBody", ""},
		{"unisolate", `{"Comment":"c","Extra":1}`, 400, "InvalidRequestBody", ""},
		{"unisolate", `{"Comment":5}`, 400, "InvalidRequestBody", ""},
		{"isolate", `{"Comment":"c","IsolationType":"full"}`, 400, "InvalidRequestBody", ""},
		{"runAntiVirusScan", `{"Comment":"c"}`, 400, "MissingRequiredParameter", ""},
		{"runAntiVirusScan", `{"Comment":"c","ScanType":"Deep"}`, 400, "InvalidRequestBody", ""},
		{"StopAndQuarantineFile", `{"Comment":"c"}`, 400, "MissingRequiredParameter", ""},
		{"StopAndQuarantineFile", `{"Comment":"c","Sha1":"abc"}`, 400, "InvalidHashValue", ""},
		{"StopAndQuarantineFile", `{"Comment":"c","SHA1":"` + sha1 + `"}`, 400, "InvalidRequestBody", ""},
	}
	machine := MachineID(DemoAlice)
	for _, tt := range tests {
		path := "/api/machines/" + machine + "/" + tt.action
		if tt.status != 201 {
			api.wantError(http.MethodPost, path, tt.body, tt.status, tt.code)
			continue
		}
		var a MachineAction
		api.decode(http.MethodPost, path, tt.body, 201, &a)
		scope := ""
		if a.Scope != nil {
			scope = *a.Scope
		}
		if a.Status != StatusPending || a.Requestor != testClient || a.RequestorComment != "c" || a.MachineID != machine ||
			a.ComputerDNSName != DemoAlice || len(a.ID) != 36 || !a.CreationDateTimeUTC.Equal(f.Now()) || scope != tt.scope {
			t.Errorf("%s: action %+v", tt.action, a)
		}
		if !strings.EqualFold(a.Type, tt.action) {
			t.Errorf("%s: type %q", tt.action, a.Type)
		}
	}
	quarantine := f.Actions()[len(f.Actions())-1]
	if diff := cmp.Diff(&RelatedFileInfo{FileIdentifier: sha1, FileIdentifierType: "Sha1"}, quarantine.RelatedFileInfo); diff != "" {
		t.Errorf("relatedFileInfo (-want +got):\n%s", diff)
	}
	collect := f.Actions()[len(f.Actions())-2]
	if collect.ExternalID == nil || *collect.ExternalID != "req-42" {
		t.Errorf("externalID %v", collect.ExternalID)
	}
	api.wantError(http.MethodPost, "/api/machines/nope/isolate", `{"Comment":"c","IsolationType":"Full"}`, 404, "ResourceNotFound")
	// Another machine is independent, and a name works as well as an id.
	api.decode(http.MethodPost, "/api/machines/"+DemoBob+"/isolate", `{"Comment":"c"}`, 201, nil)
}

func TestActionProgressAndCancel(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	f.SetActionTimeline(10*time.Second, 20*time.Second)
	f.SetActionOutcome("RunAntiVirusScan", "", StatusFailed)
	dc := MachineID(DemoDC)
	var iso, scan, unr MachineAction
	api.decode(http.MethodPost, "/api/machines/"+dc+"/isolate", `{"Comment":"contain"}`, 201, &iso)
	api.decode(http.MethodPost, "/api/machines/"+dc+"/runAntiVirusScan", `{"Comment":"scan","ScanType":"Full"}`, 201, &scan)
	api.decode(http.MethodPost, "/api/machines/"+dc+"/restrictCodeExecution", `{"Comment":"r"}`, 201, &unr)
	start := f.Now()

	status := func(id string) MachineAction {
		var a MachineAction
		api.decode(http.MethodGet, "/api/machineactions/"+id, "", 200, &a)
		return a
	}
	f.Advance(9 * time.Second)
	if a := status(iso.ID); a.Status != StatusPending {
		t.Fatalf("after 9s: %s", a.Status)
	}
	f.Advance(time.Second)
	if a := status(iso.ID); a.Status != StatusInProgress || !a.LastUpdateDateTimeUTC.Equal(start.Add(10*time.Second)) {
		t.Fatalf("after 10s: %s %v", a.Status, a.LastUpdateDateTimeUTC)
	}
	var cancelled MachineAction
	api.decode(http.MethodPost, "/api/machineactions/"+unr.ID+"/cancel", `{"Comment":"changed my mind"}`, 200, &cancelled)
	if cancelled.Status != StatusCancelled || cancelled.CancellationRequestor == nil || *cancelled.CancellationRequestor != testClient ||
		*cancelled.CancellationComment != "changed my mind" || !cancelled.CancellationDateTimeUTC.Equal(f.Now()) {
		t.Errorf("cancelled %+v", cancelled)
	}
	api.wantError(http.MethodPost, "/api/machineactions/"+unr.ID+"/cancel", `{"Comment":"again"}`, 400, "BadRequest")
	api.wantError(http.MethodPost, "/api/machineactions/"+iso.ID+"/cancel", `{}`, 400, "MissingRequiredParameter")
	api.wantError(http.MethodPost, "/api/machineactions/nope/cancel", `{"Comment":"x"}`, 404, "ResourceNotFound")

	f.Advance(20 * time.Second)
	if a := status(iso.ID); a.Status != StatusSucceeded || !a.LastUpdateDateTimeUTC.Equal(start.Add(30*time.Second)) {
		t.Errorf("isolate after 30s: %s %v", a.Status, a.LastUpdateDateTimeUTC)
	}
	if a := status(scan.ID); a.Status != StatusFailed {
		t.Errorf("scan outcome %s, want Failed", a.Status)
	}
	if a := status(unr.ID); a.Status != StatusCancelled {
		t.Errorf("cancelled action moved on to %s", a.Status)
	}
	// Once final, the same action type can be requested again.
	api.decode(http.MethodPost, "/api/machines/"+dc+"/isolate", `{"Comment":"again"}`, 201, nil)

	var page collection[MachineAction]
	filter := url.QueryEscape("machineId eq '" + dc + "' and status eq 'Pending'")
	api.decode(http.MethodGet, "/api/machineactions?$filter="+filter, "", 200, &page)
	if len(page.Value) != 1 || page.Value[0].RequestorComment != "again" {
		t.Errorf("pending actions on dc: %+v", page.Value)
	}
	filter = url.QueryEscape("requestor eq '" + testClient + "' and type eq 'RunAntiVirusScan'")
	api.decode(http.MethodGet, "/api/machineactions?$top=1&$filter="+filter, "", 200, &page)
	if len(page.Value) != 1 || page.Value[0].ID != scan.ID {
		t.Errorf("scan actions: %+v", page.Value)
	}
	api.wantError(http.MethodGet, "/api/machineactions/nope", "", 404, "ResourceNotFound")
}

func TestPackageURI(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{NoQuota: true}) // three package URI calls; the quota allows two a minute
	var a MachineAction
	api.decode(http.MethodPost, "/api/machines/"+MachineID(DemoBob)+"/collectInvestigationPackage", `{"Comment":"forensics"}`, 201, &a)
	api.wantError(http.MethodGet, "/api/machineactions/"+a.ID+"/GetPackageUri", "", 404, "ResourceNotFound")
	f.Advance(time.Minute)
	var link struct{ Value string }
	api.decode(http.MethodGet, "/api/machineactions/"+a.ID+"/getpackageuri", "", 200, &link)
	// MDE writes the link inside literal quotes (Get package SAS URI API).
	if !strings.HasPrefix(link.Value, `"`+f.MDEURL()+"/package/"+a.ID+".zip?") || !strings.HasSuffix(link.Value, `"`) {
		t.Fatalf("link %q", link.Value)
	}
	link.Value = strings.Trim(link.Value, `"`)
	noAuth := &apiClient{t: t, f: f}
	status, body, _ := noAuth.do(http.MethodGet, link.Value, "")
	if status != 200 {
		t.Fatalf("download: %d %s", status, body)
	}
	if _, err := zip.NewReader(bytes.NewReader(body), int64(len(body))); err != nil {
		t.Errorf("package is not a zip: %v", err)
	}
	if status, _, _ := noAuth.do(http.MethodGet, strings.Replace(link.Value, "sig=", "sig=0", 1), ""); status != 403 {
		t.Errorf("tampered link: %d", status)
	}
	scan := f.Actions()[0] // the seeded, finished AV scan
	api.wantError(http.MethodGet, "/api/machineactions/"+scan.ID+"/GetPackageUri", "", 400, "BadRequest")
}
