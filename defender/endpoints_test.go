package defender

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	machineID = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07"
	alertID   = "da637472900382838869_1364969609"
	actionID  = "5382f7ea-7557-4ab7-9782-d50480024a4e"
	sha1Hex   = "8563f95b2f8a284fc99da44500cd51a77c1ff36c"
)

type endpointCase struct {
	name   string
	run    func(ctx context.Context, c *Client) (any, error)
	method string
	path   string     // escaped path under the base, e.g. /api/alerts/x
	query  url.Values // expected query (nil: none)
	body   string     // expected JSON body, compared exactly after normalising spacing ("" for none)
	status int        // reply status (200 when zero)
	reply  []byte     // reply body
	check  func(*testing.T, any)
}

func listBody(v ...string) []byte {
	b := []byte(`{"@odata.context":"x","value":[`)
	for i, s := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, s...)
	}
	return append(b, "]}"...)
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	alert, machine, action := string(testdataBytes("alert.json")), string(testdataBytes("machine.json")), string(testdataBytes("machineaction.json"))
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	cases := []endpointCase{
		{name: "list alerts with filter and evidence", method: "GET", path: "/api/alerts",
			query: url.Values{"$filter": {"(severity eq 'High') and (lastUpdateTime ge 2026-11-20T08:00:00Z)"}, "$top": {"10"}, "$expand": {"evidence"}},
			reply: listBody(alert),
			run: func(ctx context.Context, c *Client) (any, error) {
				return c.ListAlerts(ctx, AlertListOptions{WithEvidence: true, ListOptions: ListOptions{Limit: 10,
					Filter: And(Eq("severity", SeverityHigh), Ge("lastUpdateTime", at))}})
			},
			check: func(t *testing.T, v any) {
				as := v.([]Alert)
				if len(as) != 1 || as[0].ID != alertID || len(as[0].Evidence) != 5 || as[0].Evidence[1].ProcessID != 3276 {
					t.Errorf("alerts = %+v", as)
				}
				if as[0].RelatedUser == nil || as[0].RelatedUser.UserName != "temp123" || as[0].IncidentID != 1126093 {
					t.Errorf("related user / incident not parsed: %+v", as[0])
				}
				if want := time.Date(2021, 1, 26, 20, 33, 59, 200000000, time.UTC); !as[0].LastUpdateTime.Equal(want) {
					t.Errorf("lastUpdateTime = %v, want %v", as[0].LastUpdateTime, want)
				}
			}},
		{name: "get alert", method: "GET", path: "/api/alerts/" + alertID, reply: []byte(alert),
			run: func(ctx context.Context, c *Client) (any, error) { return c.GetAlert(ctx, alertID, false) },
			check: func(t *testing.T, v any) {
				a := v.(Alert)
				if diff := cmp.Diff([]string{"T1064", "T1085", "T1220"}, a.MitreTechniques); diff != "" || a.Severity != SeverityLow {
					t.Errorf("alert: %s %+v", diff, a)
				}
			}},
		{name: "update alert camelCase", method: "PATCH", path: "/api/alerts/" + alertID, reply: []byte(alert),
			body: `{"status":"Resolved","assignedTo":"secop2@contoso.com","classification":"FalsePositive","determination":"Clean","comment":"fp"}`,
			run: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateAlert(ctx, alertID, AlertUpdate{Status: StatusResolved, AssignedTo: "secop2@contoso.com",
					Classification: FalsePositive, Determination: "Clean", Comment: "fp"})
			}},
		{name: "alert machine", method: "GET", path: "/api/alerts/" + alertID + "/machine", reply: []byte(machine),
			run: func(ctx context.Context, c *Client) (any, error) { return c.AlertMachine(ctx, alertID) },
			check: func(t *testing.T, v any) {
				m := v.(Machine)
				if m.RBACGroupID != "140" || len(m.IPAddresses) != 2 || m.ShortName() != "mymachine1" || m.OSBuild != 19042 {
					t.Errorf("machine = %+v", m)
				}
			}},
		{name: "alert files", method: "GET", path: "/api/alerts/" + alertID + "/files", reply: listBody(string(testdataBytes("file.json"))),
			run: func(ctx context.Context, c *Client) (any, error) { return c.AlertFiles(ctx, alertID) },
			check: func(t *testing.T, v any) {
				if fs := v.([]File); len(fs) != 1 || fs[0].GlobalPrevalence != 180022 || fs[0].DeterminationValue != "PUA:Win32/FusionCore" {
					t.Errorf("files = %+v", fs)
				}
			}},
		{name: "alert ips", method: "GET", path: "/api/alerts/" + alertID + "/ips", reply: listBody(`{"id":"10.0.0.1"}`, `{"id":"203.0.113.7"}`),
			run: func(ctx context.Context, c *Client) (any, error) { return c.AlertIPs(ctx, alertID) },
			check: func(t *testing.T, v any) {
				if diff := cmp.Diff([]string{"10.0.0.1", "203.0.113.7"}, v.([]string)); diff != "" {
					t.Error(diff)
				}
			}},
		{name: "alert domains", method: "GET", path: "/api/alerts/" + alertID + "/domains", reply: listBody(`{"host":"evil.example.net"}`),
			run: func(ctx context.Context, c *Client) (any, error) { return c.AlertDomains(ctx, alertID) },
			check: func(t *testing.T, v any) {
				if diff := cmp.Diff([]string{"evil.example.net"}, v.([]string)); diff != "" {
					t.Error(diff)
				}
			}},
		{name: "alert user", method: "GET", path: "/api/alerts/" + alertID + "/user", reply: testdataBytes("user.json"),
			run: func(ctx context.Context, c *Client) (any, error) { return c.AlertUser(ctx, alertID) },
			check: func(t *testing.T, v any) {
				if u := v.(User); u.AccountName != "user1" || u.LogOnMachinesCount != 3 || u.ID != `contoso\user1` {
					t.Errorf("user = %+v", u)
				}
			}},
		{name: "get machine", method: "GET", path: "/api/machines/" + machineID, reply: []byte(machine),
			run: func(ctx context.Context, c *Client) (any, error) { return c.GetMachine(ctx, machineID) }},
		{name: "machines by name keeps exact and short-name matches", method: "GET", path: "/api/machines",
			query: url.Values{"$filter": {"startswith(computerDnsName,'web01')"}, "$top": {"10000"}},
			reply: listBody(`{"id":"a","computerDnsName":"web01.contoso.com"}`, `{"id":"b","computerDnsName":"WEB01.fabrikam.com"}`, `{"id":"c","computerDnsName":"web010.contoso.com"}`),
			run:   func(ctx context.Context, c *Client) (any, error) { return c.MachinesByName(ctx, "WEB01") },
			check: func(t *testing.T, v any) {
				if ms := v.([]Machine); len(ms) != 2 || ms[0].ID != "a" || ms[1].ID != "b" {
					t.Errorf("machines = %+v", ms)
				}
			}},
		{name: "machines by prefix", method: "GET", path: "/api/machines",
			query: url.Values{"$filter": {"startswith(computerDnsName,'o''brien')"}, "$top": {"5"}}, reply: listBody(),
			run: func(ctx context.Context, c *Client) (any, error) { return c.MachinesByPrefix(ctx, "O'Brien", 5) }},
		{name: "machines by ip", method: "GET", path: "/api/machines/findbyip(ip='10.1.2.3',timestamp=2026-11-20T08:00:00Z)", reply: listBody(machine),
			run: func(ctx context.Context, c *Client) (any, error) {
				return c.MachinesByIP(ctx, netip.MustParseAddr("10.1.2.3"), at)
			}},
		{name: "machines by tag", method: "GET", path: "/api/machines/findbytag", query: url.Values{"tag": {"tier0 & co"}, "useStartsWithFilter": {"true"}}, reply: listBody(machine),
			run: func(ctx context.Context, c *Client) (any, error) { return c.MachinesByTag(ctx, "tier0 & co", true) }},
		{name: "logon users", method: "GET", path: "/api/machines/" + machineID + "/logonusers", reply: listBody(string(testdataBytes("user.json"))),
			run: func(ctx context.Context, c *Client) (any, error) { return c.MachineLogonUsers(ctx, machineID) }},
		{name: "machine alerts", method: "GET", path: "/api/machines/" + machineID + "/alerts", reply: listBody(alert),
			run: func(ctx context.Context, c *Client) (any, error) { return c.MachineAlerts(ctx, machineID) }},
		{name: "isolate selective PascalCase", method: "POST", path: "/api/machines/" + machineID + "/isolate", status: 201, reply: []byte(action),
			body: `{"Comment":"req-1 by alice, approved by bob","IsolationType":"Selective"}`,
			run: func(ctx context.Context, c *Client) (any, error) {
				return c.Isolate(ctx, machineID, "req-1 by alice, approved by bob", IsolationSelective)
			},
			check: func(t *testing.T, v any) {
				r := v.(ActionResult)
				if r.AlreadyPending || r.Action.ID != actionID || r.Action.Status != ActionSucceeded {
					t.Errorf("result = %+v", r)
				}
				if want := time.Date(2019, 1, 2, 14, 40, 44, 659626700, time.UTC); !r.Action.LastUpdateDateTimeUTC.Equal(want) {
					t.Errorf("legacy lastUpdateTimeUtc not read: %v", r.Action.LastUpdateDateTimeUTC)
				}
			}},
		{name: "unisolate", method: "POST", path: "/api/machines/" + machineID + "/unisolate", status: 201, reply: []byte(action), body: `{"Comment":"c"}`,
			run: func(ctx context.Context, c *Client) (any, error) { return c.Unisolate(ctx, machineID, "c") }},
		{name: "full scan", method: "POST", path: "/api/machines/" + machineID + "/runAntiVirusScan", status: 201, reply: []byte(action), body: `{"Comment":"c","ScanType":"Full"}`,
			run: func(ctx context.Context, c *Client) (any, error) {
				return c.RunAntivirusScan(ctx, machineID, "c", ScanFull)
			}},
		{name: "quick scan by default", method: "POST", path: "/api/machines/" + machineID + "/runAntiVirusScan", status: 201, reply: []byte(action), body: `{"Comment":"c","ScanType":"Quick"}`,
			run: func(ctx context.Context, c *Client) (any, error) { return c.RunAntivirusScan(ctx, machineID, "c", "") }},
		{name: "restrict", method: "POST", path: "/api/machines/" + machineID + "/restrictCodeExecution", status: 201, reply: []byte(action), body: `{"Comment":"c"}`,
			run: func(ctx context.Context, c *Client) (any, error) { return c.RestrictCodeExecution(ctx, machineID, "c") }},
		{name: "unrestrict", method: "POST", path: "/api/machines/" + machineID + "/unrestrictCodeExecution", status: 201, reply: []byte(action), body: `{"Comment":"c"}`,
			run: func(ctx context.Context, c *Client) (any, error) {
				return c.UnrestrictCodeExecution(ctx, machineID, "c")
			}},
		{name: "collect", method: "POST", path: "/api/machines/" + machineID + "/collectInvestigationPackage", status: 201, reply: []byte(action), body: `{"Comment":"c"}`,
			run: func(ctx context.Context, c *Client) (any, error) {
				return c.CollectInvestigationPackage(ctx, machineID, "c")
			}},
		{name: "stop and quarantine", method: "POST", path: "/api/machines/" + machineID + "/StopAndQuarantineFile", status: 201, reply: []byte(action),
			body: `{"Comment":"c","Sha1":"` + sha1Hex + `"}`,
			run: func(ctx context.Context, c *Client) (any, error) {
				return c.StopAndQuarantineFile(ctx, machineID, "8563F95B2F8A284FC99DA44500CD51A77C1FF36C", "c")
			}},
		{name: "cancel action", method: "POST", path: "/api/machineactions/" + actionID + "/cancel", reply: []byte(action), body: `{"Comment":"stop"}`,
			run: func(ctx context.Context, c *Client) (any, error) { return c.CancelAction(ctx, actionID, "stop") }},
		{name: "get action", method: "GET", path: "/api/machineactions/" + actionID, reply: []byte(action),
			run: func(ctx context.Context, c *Client) (any, error) { return c.GetMachineAction(ctx, actionID) }},
		{name: "list actions", method: "GET", path: "/api/machineactions",
			query: url.Values{"$filter": {"machineId eq '" + machineID + "'"}, "$top": {"10000"}}, reply: listBody(action),
			run: func(ctx context.Context, c *Client) (any, error) {
				return c.ListMachineActions(ctx, ListOptions{Filter: Eq("machineId", machineID)})
			}},
		{name: "package uri", method: "GET", path: "/api/machineactions/" + actionID + "/GetPackageUri",
			reply: []byte(`{"@odata.context":"x","value":"https://userrequests-us.securitycenter.windows.com:443/safedownload/WDATP_Investigation_Package.zip?token=abc"}`),
			run:   func(ctx context.Context, c *Client) (any, error) { return c.PackageURI(ctx, actionID) },
			check: func(t *testing.T, v any) {
				if v.(string) == "" {
					t.Error("empty package URI")
				}
			}},
		{name: "list indicators", method: "GET", path: "/api/indicators",
			query: url.Values{"$filter": {"action eq 'Block'"}, "$top": {"10000"}}, reply: listBody(string(testdataBytes("indicator.json"))),
			run: func(ctx context.Context, c *Client) (any, error) {
				return c.ListIndicators(ctx, ListOptions{Filter: Eq("action", IndicatorBlock)})
			},
			check: func(t *testing.T, v any) {
				if is := v.([]Indicator); len(is) != 1 || is[0].ID != "995" || is[0].IndicatorType != IndicatorIP {
					t.Errorf("indicators = %+v", is)
				}
			}},
		{name: "submit indicator camelCase", method: "POST", path: "/api/indicators", reply: testdataBytes("indicator.json"),
			body: `{"indicatorValue":"12.13.14.15","indicatorType":"IpAddress","action":"Block","title":"t","description":"d","expirationTime":"2026-12-01T00:00:00Z","generateAlert":true}`,
			run: func(ctx context.Context, c *Client) (any, error) {
				exp := Timestamp{time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
				return c.SubmitIndicator(ctx, IndicatorInput{IndicatorValue: "12.13.14.15", IndicatorType: IndicatorIP,
					Action: IndicatorBlock, Title: "t", Description: "d", ExpirationTime: &exp, GenerateAlert: true})
			}},
		{name: "delete indicator", method: "DELETE", path: "/api/indicators/995", status: 204,
			run: func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteIndicator(ctx, "995") }},
		{name: "hunt", method: "POST", path: "/api/advancedqueries/run", reply: testdataBytes("hunting.json"),
			body: `{"Query":"DeviceProcessEvents | limit 2"}`,
			run: func(ctx context.Context, c *Client) (any, error) {
				return c.Hunt(ctx, "  DeviceProcessEvents | limit 2 ")
			},
			check: func(t *testing.T, v any) {
				r := v.(HuntingResult)
				if len(r.Schema) != 4 || len(r.Results) != 2 || r.Results[1]["Count"].(json.Number).String() != "12345678901" {
					t.Errorf("hunting = %+v", r)
				}
			}},
		{name: "file", method: "GET", path: "/api/files/" + sha1Hex, reply: testdataBytes("file.json"),
			run: func(ctx context.Context, c *Client) (any, error) { return c.GetFile(ctx, sha1Hex) }},
		{name: "file stats with the doc's spelling", method: "GET", path: "/api/files/" + sha1Hex + "/stats", query: url.Values{"lookBackHours": {"48"}},
			reply: testdataBytes("filestats.json"),
			run:   func(ctx context.Context, c *Client) (any, error) { return c.FileStatistics(ctx, sha1Hex, 48*time.Hour) },
			check: func(t *testing.T, v any) {
				if s := v.(FileStats); s.GlobalPrevalence != 1355899 || s.OrganizationPrevalence != 14850 || len(s.TopFileNames) != 2 {
					t.Errorf("stats = %+v", s)
				}
			}},
		{name: "file alerts", method: "GET", path: "/api/files/" + sha1Hex + "/alerts", reply: listBody(alert),
			run: func(ctx context.Context, c *Client) (any, error) { return c.FileAlerts(ctx, sha1Hex) }},
		{name: "file machines", method: "GET", path: "/api/files/" + sha1Hex + "/machines", reply: listBody(machine),
			run: func(ctx context.Context, c *Client) (any, error) { return c.FileMachines(ctx, sha1Hex) }},
		{name: "ip stats", method: "GET", path: "/api/ips/10.0.0.1/stats", reply: []byte(`{"ipAddress":"10.0.0.1","organizationPrevalence":"7","orgFirstSeen":null}`),
			run: func(ctx context.Context, c *Client) (any, error) { return c.IPStatistics(ctx, "10.0.0.1", 0) },
			check: func(t *testing.T, v any) {
				if s := v.(EntityStats); s.OrganizationPrevalence != 7 {
					t.Errorf("stats = %+v", s)
				}
			}},
		{name: "ip alerts", method: "GET", path: "/api/ips/2001:db8::1/alerts", reply: listBody(),
			run: func(ctx context.Context, c *Client) (any, error) { return c.IPAlerts(ctx, "2001:DB8::1") }},
		{name: "domain stats", method: "GET", path: "/api/domains/evil.example.net/stats", query: url.Values{"lookBackHours": {"720"}},
			reply: []byte(`{"host":"evil.example.net","organizationPrevalence":0}`),
			run: func(ctx context.Context, c *Client) (any, error) {
				return c.DomainStatistics(ctx, "Evil.Example.net", 90*24*time.Hour)
			}},
		{name: "domain alerts", method: "GET", path: "/api/domains/evil.example.net/alerts", reply: listBody(alert),
			run: func(ctx context.Context, c *Client) (any, error) { return c.DomainAlerts(ctx, "evil.example.net") }},
		{name: "domain machines", method: "GET", path: "/api/domains/evil.example.net/machines", reply: listBody(machine),
			run: func(ctx context.Context, c *Client) (any, error) { return c.DomainMachines(ctx, "evil.example.net") }},
		{name: "user alerts", method: "GET", path: "/api/users/user1/alerts", reply: listBody(alert),
			run: func(ctx context.Context, c *Client) (any, error) { return c.UserAlerts(ctx, "user1") }},
		{name: "user machines escapes the name", method: "GET", path: "/api/users/o%27brien%20x/machines", reply: listBody(machine),
			run: func(ctx context.Context, c *Client) (any, error) { return c.UserMachines(ctx, "o'brien x") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			var got recorded
			status := tc.status
			if status == 0 {
				status = http.StatusOK
			}
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				if tc.method == "POST" && r.Method == "GET" && r.URL.Path == "/api/machineactions" {
					_, _ = w.Write(listBody()) // the pending-action look-up before an action: none pending
					return
				}
				record(&got, status, tc.reply)(w, r)
			})
			v, err := tc.run(t.Context(), c)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got.Method != tc.method || got.Path != tc.path {
				t.Errorf("request = %s %s, want %s %s", got.Method, got.Path, tc.method, tc.path)
			}
			q, _ := url.ParseQuery(got.Query)
			if len(q) == 0 {
				q = nil
			}
			if diff := cmp.Diff(tc.query, q); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
			if string(got.Body) != tc.body {
				t.Errorf("body = %s\nwant   %s", got.Body, tc.body)
			}
			if tc.body != "" && got.ContentType != "application/json" {
				t.Errorf("content type = %q", got.ContentType)
			}
			if got.Auth != "Bearer "+testToken {
				t.Errorf("authorization header = %q", got.Auth)
			}
			if tc.check != nil {
				tc.check(t, v)
			}
		})
	}
}

func testdataBytes(name string) []byte {
	b, err := testdataFS.ReadFile("testdata/" + name)
	if err != nil {
		panic(err)
	}
	return b
}
