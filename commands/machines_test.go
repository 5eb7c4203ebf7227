package commands

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdebot/mdebot/defender/mdefake"
)

func machineNames(v MachineListView) []string {
	var out []string
	for _, m := range v.Machines {
		out = append(out, m.ComputerDNSName)
	}
	return out
}

func TestMachines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		text      string
		wantTitle string
		want      []string
		sent      []sent
	}{
		{
			name: "every device", text: "machines", wantTitle: "All devices",
			want: []string{mdefake.DemoAlice, mdefake.DemoBob, mdefake.DemoDC, mdefake.DemoLinux, mdefake.DemoWebContoso, mdefake.DemoWebFabrikam},
			sent: []sent{{Method: "GET", Path: "/api/machines", Top: "11"}},
		},
		{
			name: "bare word is the prefix", text: "machines WEB", wantTitle: "Devices named web…",
			want: []string{mdefake.DemoWebContoso, mdefake.DemoWebFabrikam},
			sent: []sent{{Method: "GET", Path: "/api/machines", Filter: "startswith(computerDnsName,'web')", Top: "11"}},
		},
		{
			name: "name and risk", text: "machines name=laptop risk=high", wantTitle: "Devices named laptop…, risk High",
			want: []string{mdefake.DemoAlice},
			sent: []sent{{Method: "GET", Path: "/api/machines", Filter: "(startswith(computerDnsName,'laptop')) and (riskScore eq 'High')", Top: "11"}},
		},
		{
			name: "health", text: "machines health=INACTIVE", wantTitle: "Devices health Inactive",
			want: []string{mdefake.DemoWebFabrikam},
			sent: []sent{{Method: "GET", Path: "/api/machines", Filter: "healthStatus eq 'Inactive'", Top: "11"}},
		},
		{
			name: "tag", text: "machines tag=dmz", wantTitle: "Devices tagged dmz",
			want: []string{mdefake.DemoWebContoso, mdefake.DemoWebFabrikam},
			sent: []sent{{Method: "GET", Path: "/api/machines/findbytag"}},
		},
		{
			name: "tag with other filters applied here", text: "machines web01.f tag=DMZ risk=Low", wantTitle: "Devices named web01.f…, risk Low, tagged DMZ",
			want: []string{mdefake.DemoWebFabrikam},
			sent: []sent{{Method: "GET", Path: "/api/machines/findbytag"}},
		},
		{
			name: "quoted tag", text: `machines tag:"Finance PCs"`, wantTitle: "Devices tagged Finance PCs",
			want: []string{"fin01.contoso.com"},
			sent: []sent{{Method: "GET", Path: "/api/machines/findbytag"}},
		},
		{
			name: "no match", text: "machines zzz", wantTitle: "Devices named zzz…",
			sent: []sent{{Method: "GET", Path: "/api/machines", Filter: "startswith(computerDnsName,'zzz')", Top: "11"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.env.Fake.AddMachine(mdefake.Machine{ComputerDNSName: "fin01.contoso.com", RiskScore: "Low", MachineTags: []string{"Finance PCs"}})
			resp := f.mustRun(t, tt.text, 0)
			view, ok := resp.View.(MachineListView)
			if !ok {
				t.Fatalf("view is %T", resp.View)
			}
			if view.Title != tt.wantTitle || view.More != nil {
				t.Errorf("title %q more %v", view.Title, view.More)
			}
			want := tt.want
			if tt.name == "every device" {
				want = append(want, "fin01.contoso.com")
			}
			if diff := cmp.Diff(want, machineNames(view)); diff != "" {
				t.Errorf("devices (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.sent, f.sent()); diff != "" {
				t.Errorf("MDE requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMachinesTagQuery(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.mustRun(t, `machines tag="x' or 1 eq 1"`, 0)
	reqs := f.apiRequests()
	if len(reqs) != 1 || reqs[0].RawQuery != "tag=x%27+or+1+eq+1&useStartsWithFilter=false" {
		t.Errorf("requests = %+v", reqs)
	}
}

func TestMachinesPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i := range 15 {
		f.env.Fake.AddMachine(mdefake.Machine{ComputerDNSName: fmt.Sprintf("pc-%02d.contoso.com", i)})
	}
	const text = "machines pc-"
	first := f.mustRun(t, text, 0).View.(MachineListView)
	if len(first.Machines) != 10 || first.More == nil || *first.More != (More{Command: text, Offset: 10}) {
		t.Fatalf("first page: %d devices, more %+v", len(first.Machines), first.More)
	}
	second := f.mustRun(t, text, first.More.Offset).View.(MachineListView)
	if diff := cmp.Diff([]string{"pc-10.contoso.com", "pc-11.contoso.com", "pc-12.contoso.com", "pc-13.contoso.com", "pc-14.contoso.com"}, machineNames(second)); diff != "" || second.More != nil {
		t.Errorf("second page (-want +got):\n%s more %v", diff, second.More)
	}
	got := f.sent()
	want := []sent{
		{Method: "GET", Path: "/api/machines", Filter: "startswith(computerDnsName,'pc-')", Top: "11"},
		{Method: "GET", Path: "/api/machines", Filter: "startswith(computerDnsName,'pc-')", Top: "11", Skip: "10"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MDE requests (-want +got):\n%s", diff)
	}

	// limit=12 stops the second page at two devices, without asking for a 13th.
	f.env.Fake.ResetRequests()
	const limited = "machines pc- limit=12"
	page := f.mustRun(t, limited, 10).View.(MachineListView)
	if len(page.Machines) != 2 || page.More != nil {
		t.Errorf("limited second page: %d devices, more %v", len(page.Machines), page.More)
	}
	if s := f.sent(); len(s) != 1 || s[0].Top != "2" || s[0].Skip != "10" {
		t.Errorf("limited request = %+v", s)
	}
	// Tag lists are paged here.
	const tagged = "machines tag=dmz limit=1"
	page = f.mustRun(t, tagged, 0).View.(MachineListView)
	if len(page.Machines) != 1 || page.More != nil {
		t.Errorf("tag with limit: %d devices, more %v", len(page.Machines), page.More)
	}
}

func TestMachinesNotFoundIsEmpty(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.env.Fake.Inject(mdefake.Fault{PathContains: "/api/machines", Status: 404, Message: "No recent machines."})
	resp := f.mustRun(t, "machines", 0)
	if v := resp.View.(MachineListView); len(v.Machines) != 0 || resp.Text != "All devices: none." {
		t.Errorf("resp = %q, %d devices", resp.Text, len(v.Machines))
	}
}
