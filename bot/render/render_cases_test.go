package render

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
)

// renderFixtures is every response the rendering tests render; each has a golden file.
func renderFixtures() []renderFixture {
	var fx []renderFixture
	add := func(name string, resp commands.Response) { fx = append(fx, renderFixture{name, resp}) }

	add("text_plain", commands.Response{Text: "Isolation of web01.contoso.com requested as `r-8c21`; an approver has been asked."})
	add("text_hostile", commands.Response{Text: fxHostileN(5000)})
	add("text_empty", commands.Response{})

	m := fxMachine()
	var open []defender.Alert
	for i, sev := range []defender.Severity{"High", "High", "Medium", "Medium", "Medium", "Low", "Informational"} {
		a := fxAlert()
		a.ID = fmt.Sprintf("da6381234567890%05d_-1", i)
		a.Severity, a.Status, a.LastUpdateTime = sev, defender.StatusNew, fxTime(float64(i)*5)
		a.Title = []string{"Suspicious PowerShell command line", "'Mimikatz' credential theft tool was detected",
			"Suspicious process injection observed", "Anomalous account lookups", "Suspicious scheduled task",
			"Unsanctioned cloud app access was blocked", "Suspicious file dropped"}[i]
		open = append(open, a)
	}
	add("machine_full", commands.Response{Text: "Device web01.contoso.com", View: commands.MachineView{
		Machine: m, OpenAlerts: open, Pending: fxActions()[:2], PortalURL: fxPortal,
		Isolation:  commands.Isolation{State: commands.Isolated, Since: renderNow().Add(-90 * time.Minute), Scope: "Full"},
		LogonUsers: []defender.User{{AccountName: "svc_web", AccountDomain: "CONTOSO"}, {AccountName: "alice", AccountDomain: "CONTOSO"}},
	}})
	add("machine_unknown", commands.Response{View: commands.MachineView{
		Machine: defender.Machine{ID: fxMachineID2, ComputerDNSName: "db02"}, AlertsUnknown: true, ActionsUnknown: true,
		Isolation: commands.Isolation{State: commands.Unknown},
	}})
	hostileAlerts := make([]defender.Alert, 50)
	for i := range hostileAlerts {
		hostileAlerts[i] = defender.Alert{ID: fxHostile, Title: fxHostileN(5000), Severity: defender.Severity(fxHostile)}
	}
	add("machine_hostile", commands.Response{Text: fxHostile, View: commands.MachineView{
		Machine: fxHostileMachine(), OpenAlerts: hostileAlerts, Pending: []defender.MachineAction{fxHostileAction(), fxHostileAction()},
		Isolation:  commands.Isolation{State: commands.Isolated, Scope: fxHostile, Since: renderNow()},
		LogonUsers: []defender.User{{AccountName: fxHostile, AccountDomain: fxHostile}},
		PortalURL:  "https://security.microsoft.com/<!channel>|x",
	}})

	add("alert_full", commands.Response{View: commands.AlertView{Alert: fxAlert(), PortalURL: fxPortal}})
	add("alert_minimal", commands.Response{View: commands.AlertView{Alert: defender.Alert{ID: "da1"}}})
	add("alert_hostile", commands.Response{Text: fxHostile, View: commands.AlertView{Alert: fxHostileAlert(3000), PortalURL: fxPortal}})

	add("alerts_list", commands.Response{View: commands.AlertListView{Title: "Alerts since 24h, severity ≥ Medium",
		Alerts: open, PortalURL: fxPortal, More: &commands.More{Command: "alerts severity Medium since 24h", Offset: 7}}})
	add("alerts_empty", commands.Response{View: commands.AlertListView{Title: "Alerts"}})
	manyHostile := make([]defender.Alert, 500)
	oneHostile := fxHostileAlert(0)
	for i := range manyHostile {
		manyHostile[i] = oneHostile
	}
	add("alerts_hostile", commands.Response{View: commands.AlertListView{Title: fxHostile, Alerts: manyHostile, PortalURL: fxPortal,
		More: &commands.More{Command: "alerts " + strings.Repeat("x", 2100), Offset: 500}}})

	m2 := fxMachine()
	m2.ID, m2.ComputerDNSName, m2.RiskScore, m2.MachineTags = fxMachineID2, "db02.contoso.com", "Low", nil
	add("machines_list", commands.Response{View: commands.MachineListView{Title: "Devices named web*",
		Machines: []defender.Machine{m, m2}, More: &commands.More{Command: "machines web", Offset: 2}}})
	hostileMachines := make([]defender.Machine, 300)
	hm := fxHostileMachine()
	for i := range hostileMachines {
		hostileMachines[i] = hm
	}
	add("machines_hostile", commands.Response{View: commands.MachineListView{Title: fxHostileN(500), Machines: hostileMachines}})

	add("action_card", commands.Response{View: commands.ActionView{Action: fxActions()[2], PortalURL: fxPortal}})
	add("action_hostile", commands.Response{View: commands.ActionView{Action: fxHostileAction(), PortalURL: fxPortal}})
	add("actions_list", commands.Response{View: commands.ActionListView{Title: "Actions on web01.contoso.com",
		Actions: fxActions(), More: &commands.More{Command: "actions web01.contoso.com", Offset: 3}}})
	hostileActions := make([]defender.MachineAction, 400)
	for i := range hostileActions {
		hostileActions[i] = fxHostileAction()
	}
	add("actions_hostile", commands.Response{View: commands.ActionListView{Title: fxHostile, Actions: hostileActions}})
	add("indicators_list", commands.Response{View: commands.IndicatorListView{Title: "Custom indicators", Indicators: fxIndicators()}})
	add("indicators_hostile", commands.Response{View: commands.IndicatorListView{Indicators: []defender.Indicator{{
		ID: fxHostile, IndicatorValue: fxHostileN(3000), IndicatorType: fxHostile, Action: fxHostile, Title: fxHostile,
		CreatedBy: fxHostile, RBACGroupNames: []string{fxHostile, fxHostile + "2"}}}}})

	fx = append(fx, entityFixtures(open, m, m2)...)
	fx = append(fx, huntFixtures()...)
	fx = append(fx, ampFixtures()...)

	add("status_ok", commands.Response{View: commands.StatusView{Version: "v1.4.0 (3f2c1ab)",
		Checks: []commands.StatusCheck{{Name: "Slack", OK: true, Detail: "socket connected 2h ago"}, {Name: "MDE token", OK: true, Detail: "valid for 52m"},
			{Name: "MDE API", OK: true, Detail: "200 in 180ms"}, {Name: "Redis", OK: true, Detail: "embedded"}, {Name: "Alert poller", OK: true, Detail: "lag 14s"}},
		Limiter: defender.LimiterStats{Requests: 18234, Delayed: 12, Waited: 3*time.Second + 400*time.Millisecond,
			Throttled: 1, PausedUntil: renderNow().Add(-3 * time.Hour)}}})
	add("status_failing", commands.Response{View: commands.StatusView{
		Checks: []commands.StatusCheck{{Name: "Slack", OK: true, Detail: ""}, {Name: "MDE API", OK: false, Detail: fxHostile}, {Name: fxHostile, OK: false, Detail: "429 Too Many Requests"}},
		Limiter: defender.LimiterStats{Requests: 90, Delayed: 40, Waited: 850 * time.Millisecond, Throttled: 7,
			PausedUntil: renderNow().Add(45 * time.Second)}}})

	add("help_all", commands.Response{Text: "mdebot commands", View: commands.HelpView{Verbs: fxVerbs()}})
	add("help_one", commands.Response{View: commands.HelpView{One: fxVerbs()[5]}})
	add("help_none", commands.Response{View: commands.HelpView{}})

	add("audit", commands.Response{View: commands.AuditView{Filter: "web01.contoso.com", Entries: []commands.AuditEntry{
		{ID: "1732096800000-0", Time: renderNow().Add(-2 * time.Hour), Event: "requested", Actor: "U024BE7LH", Verb: "isolate",
			Target: "web01.contoso.com", MachineID: fxMachineID, Request: "r-8c21", Detail: "ransomware on host"},
		{ID: "1732096900000-0", Time: renderNow().Add(-110 * time.Minute), Event: "approved", Actor: "U0G9QF9C6", Verb: "isolate",
			Target: "web01.contoso.com", Request: "r-8c21"},
		{ID: "1732096901000-0", Time: renderNow().Add(-109 * time.Minute), Event: "succeeded", Actor: "mdebot", Verb: "isolate",
			Target: "web01.contoso.com", Request: "r-8c21", ActionID: "7f3c1b6e-2d4a-4b8e-9c1d-0e2f3a4b5c6d"},
	}, More: &commands.More{Command: "audit web01.contoso.com", Offset: 3}}})
	hostileAudit := make([]commands.AuditEntry, 300)
	for i := range hostileAudit {
		hostileAudit[i] = commands.AuditEntry{ID: fxHostile, Time: renderNow(), Event: fxHostile, Actor: "<@U024BE7LH>",
			Verb: fxHostile, Target: fxHostile, MachineID: fxHostile, Request: fxHostile, ActionID: fxHostile, Detail: fxHostileN(2000)}
	}
	add("audit_hostile", commands.Response{View: commands.AuditView{Filter: fxHostile, Entries: hostileAudit,
		More: &commands.More{Command: fxHostile, Offset: 300}}})

	add("choice", commands.Response{View: commands.ChoiceView{Prompt: "2 devices match web01. Which one did you mean?",
		Choices: []commands.Choice{
			{Label: "web01.contoso.com", Detail: "WindowsServer2022 · Tier0 Servers · last seen 2026-11-20 10:48", Command: "isolate " + fxMachineID + " ransomware"},
			{Label: "web01.fabrikam.com", Detail: "Linux · DMZ · last seen 2026-11-19 22:10", Command: "isolate " + fxMachineID2 + " ransomware"},
		}}})
	var hostileChoices []commands.Choice
	for i := range 30 {
		cmd := fmt.Sprintf("machine %d %s", i, fxHostile)
		if i == 1 {
			cmd = "machine " + strings.Repeat("y", 2001)
		}
		hostileChoices = append(hostileChoices, commands.Choice{Label: fxHostileN(200), Detail: fxHostileN(1000), Command: cmd})
	}
	add("choice_hostile", commands.Response{View: commands.ChoiceView{Prompt: fxHostileN(4000), Choices: hostileChoices}})
	return fx
}

func entityFixtures(open []defender.Alert, m, m2 defender.Machine) []renderFixture {
	file := &defender.File{SHA1: "d1a2b3c4e5f60718293a4b5c6d7e8f9012345678",
		SHA256: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0", MD5: "9e107d9d372bb6826bd81d3542a419d6",
		GlobalPrevalence: 1200, GlobalFirstObserved: fxTime(24 * 900), GlobalLastObserved: fxTime(2), Size: 1250056,
		FileType: "PortableExecutable", IsPEFile: true, Signer: "Open Source Developer, Benjamin Delpy",
		Issuer: "Certum Code Signing CA", DeterminationType: "Malware", DeterminationValue: "HackTool:Win32/Mimikatz",
		FileName: "mimikatz.exe", FilePath: `C:\Users\svc_web\AppData\Local\Temp`}
	stats := &defender.FileStats{SHA1: file.SHA1, OrganizationPrevalence: 3, OrgFirstSeen: fxTime(4), OrgLastSeen: fxTime(2.9),
		GlobalPrevalence: 1250, GlobalFirstObserved: fxTime(24 * 900), GlobalLastObserved: fxTime(1),
		TopFileNames: []string{"mimikatz.exe", "mk.exe", "m64.exe"}}
	hostileFile := &defender.File{SHA1: fxHostile, SHA256: fxHostile, MD5: fxHostile, Signer: fxHostile, Issuer: fxHostile,
		FilePublisher: fxHostile, FileProductName: fxHostile, DeterminationType: fxHostile, DeterminationValue: fxHostile,
		FileType: fxHostile, FileName: fxHostileN(3000), FilePath: fxHostileN(3000)}
	var names []string
	for i := range 500 {
		names = append(names, fmt.Sprintf("%d %s", i, fxHostile))
	}
	manyAlerts := make([]defender.Alert, 100)
	ha := fxHostileAlert(0)
	for i := range manyAlerts {
		manyAlerts[i] = ha
	}
	manyMachines := make([]defender.Machine, 100)
	hm := fxHostileMachine()
	for i := range manyMachines {
		manyMachines[i] = hm
	}
	return []renderFixture{
		{"entity_file", commands.Response{View: commands.EntityView{Kind: "file", Name: file.SHA1, File: file, FileStat: stats,
			Alerts: open[:2], Machines: []defender.Machine{m, m2}, PortalURL: fxPortal}}},
		{"entity_ip", commands.Response{View: commands.EntityView{Kind: "ip", Name: "203.0.113.77",
			Stats:  &defender.EntityStats{IPAddress: "203.0.113.77", OrganizationPrevalence: 1, OrgFirstSeen: fxTime(3), OrgLastSeen: fxTime(2.9)},
			Alerts: open[:1], Machines: []defender.Machine{m}, PortalURL: fxPortal}}},
		{"entity_domain", commands.Response{View: commands.EntityView{Kind: "domain", Name: "evil.example",
			Stats: &defender.EntityStats{Host: "evil.example"}}}},
		{"entity_user", commands.Response{View: commands.EntityView{Kind: "user", Name: `CONTOSO\svc_web`, Alerts: open,
			Notes: []string{"The devices of this user could not be read (throttled); try again in a minute."}, PortalURL: fxPortal}}},
		{"entity_hostile", commands.Response{View: commands.EntityView{Kind: fxHostile, Name: fxHostileN(3000), File: hostileFile,
			FileStat: &defender.FileStats{SHA1: fxHostile, TopFileNames: names}, Alerts: manyAlerts, Machines: manyMachines,
			Notes: names[:50], PortalURL: fxPortal}}},
	}
}

func huntFixtures() []renderFixture {
	small := defender.HuntingResult{
		Schema: []defender.HuntingColumn{{Name: "Timestamp", Type: "DateTime"}, {Name: "DeviceName", Type: "String"}, {Name: "FileName", Type: "String"},
			{Name: "ProcessCommandLine", Type: "String"}, {Name: "Count", Type: "Int64"}, {Name: "Signed", Type: "Boolean"}, {Name: "Extra", Type: "Dynamic"}},
	}
	for i := range 5 {
		small.Results = append(small.Results, map[string]any{
			"Timestamp": fmt.Sprintf("2026-11-20T0%d:12:44.1234567Z", i), "DeviceName": []string{"web01", "db02", "ws-4411"}[i%3],
			"FileName": "powershell.exe", "ProcessCommandLine": "powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA",
			"Count": json.Number(fmt.Sprint(i * 1000)), "Signed": i%2 == 0, "Extra": map[string]any{"pid": json.Number("4242")},
		})
	}
	large := fxHunt(10000, 4, func(r, c int) any {
		if c == 0 {
			return json.Number(fmt.Sprint(r))
		}
		return fmt.Sprintf("device-%05d.contoso.com", r*(c+1))
	})
	wide := fxHunt(20, 40, func(r, c int) any { return fmt.Sprintf("r%dc%d", r, c) })
	hostile := fxHunt(100, 3, func(r, c int) any { return fmt.Sprintf("%d\n%s", r, fxHostile) })
	return []renderFixture{
		{"hunt_small", commands.Response{View: commands.HuntView{Query: "DeviceProcessEvents | where FileName =~ \"powershell.exe\" | take 5", Result: small}}},
		{"hunt_large", commands.Response{View: commands.HuntView{Query: "DeviceInfo | take 10000", Result: large},
			File: &commands.File{Name: "hunt.csv", Title: "Hunting result", Path: "hunt.csv", Size: 4}}},
		{"hunt_wide", commands.Response{View: commands.HuntView{Query: "DeviceInfo", Result: wide}}},
		{"hunt_hostile", commands.Response{View: commands.HuntView{Query: fxHostileN(3000), Result: hostile}}},
		{"hunt_empty", commands.Response{View: commands.HuntView{Query: "DeviceInfo | where false"}}},
	}
}

// ampFixtures fill fields with '&', which escaping turns into five characters: the worst case for
// every length budget.
func ampFixtures() []renderFixture {
	amp := strings.Repeat("&", 5000)
	alert := defender.Alert{ID: "da1", Title: amp, Description: amp, AssignedTo: amp, Status: defender.AlertStatus(amp),
		Severity: defender.Severity(amp), Category: amp, DetectionSource: amp, Determination: amp, ThreatName: amp,
		ThreatFamilyName: amp, ComputerDNSName: amp, MitreTechniques: []string{amp, amp + "1", amp + "2"},
		RelatedUser: &defender.RelatedUser{UserName: amp, DomainName: amp}}
	for i := range 50 {
		s := fmt.Sprint(i) + amp
		alert.Evidence = append(alert.Evidence, defender.Evidence{EntityType: []string{"File", "Process", "User", "Registry", amp}[i%5],
			FileName: s, FilePath: s, SHA1: s, ProcessCommandLine: s, ParentProcessFileName: s, AccountName: s, DomainName: s,
			UserPrincipalName: s, UserSID: s, RegistryKey: s, RegistryHive: s, RegistryValue: s, RegistryValueType: s, DetectionStatus: s})
	}
	action := defender.MachineAction{ID: amp, Type: defender.ActionType(amp), Status: defender.ActionStatus(amp), Requestor: amp,
		RequestorComment: amp, ComputerDNSName: amp, Scope: amp, RequestSource: amp}
	m := defender.Machine{ID: amp, ComputerDNSName: amp, OSPlatform: amp, Version: amp, OSArchitecture: amp, HealthStatus: amp,
		RBACGroupName: amp, RiskScore: amp, ExposureLevel: amp, DeviceValue: amp, LastIPAddress: amp, LastExternalIPAddress: amp,
		MachineTags: []string{amp, amp + "1", amp + "2"}, OnboardingStatus: amp}
	verb := &commands.Verb{Name: "amp", Usage: amp, Summary: amp, Details: []string{amp, amp}, Role: commands.Viewer}
	return []renderFixture{
		{"amp_alert", commands.Response{Text: amp, View: commands.AlertView{Alert: alert, PortalURL: fxPortal}}},
		{"amp_alerts", commands.Response{View: commands.AlertListView{Title: amp, Alerts: []defender.Alert{alert, alert, alert}}}},
		{"amp_machine", commands.Response{View: commands.MachineView{Machine: m, OpenAlerts: []defender.Alert{alert, alert, alert},
			Pending: []defender.MachineAction{action, action, action}, Isolation: commands.Isolation{State: commands.Isolated, Scope: amp},
			LogonUsers: []defender.User{{AccountName: amp, AccountDomain: amp}}}}},
		{"amp_machines", commands.Response{View: commands.MachineListView{Machines: []defender.Machine{m, m}}}},
		{"amp_action", commands.Response{View: commands.ActionView{Action: action}}},
		{"amp_actions", commands.Response{View: commands.ActionListView{Actions: []defender.MachineAction{action, action}}}},
		{"amp_entity", commands.Response{View: commands.EntityView{Kind: "file", Name: amp, Notes: []string{amp},
			File:     &defender.File{SHA1: amp, SHA256: amp, MD5: amp, Signer: amp, Issuer: amp, FilePublisher: amp, FileType: amp},
			FileStat: &defender.FileStats{TopFileNames: []string{amp, amp + "1"}}, Alerts: []defender.Alert{alert}, Machines: []defender.Machine{m}}}},
		{"amp_status", commands.Response{View: commands.StatusView{Version: amp,
			Checks: []commands.StatusCheck{{Name: amp, Detail: amp}, {Name: amp, OK: true, Detail: amp}}}}},
		{"amp_help", commands.Response{View: commands.HelpView{Verbs: []*commands.Verb{verb, verb}}}},
		{"amp_help_one", commands.Response{View: commands.HelpView{One: verb}}},
		{"amp_audit", commands.Response{View: commands.AuditView{Filter: amp, Entries: []commands.AuditEntry{{Event: amp, Actor: amp,
			Verb: amp, Target: amp, Request: amp, ActionID: amp, MachineID: amp, Detail: amp}}}}},
		{"amp_choice", commands.Response{View: commands.ChoiceView{Prompt: amp, Choices: []commands.Choice{
			{Label: amp, Detail: amp, Command: "machine 1"}, {Label: amp, Detail: amp, Command: strings.Repeat("m", 2001)}}}}},
		{"amp_hunt", commands.Response{View: commands.HuntView{Query: amp, Result: fxHunt(50, 3, func(int, int) any { return amp })}}},
		{"amp_indicators", commands.Response{View: commands.IndicatorListView{Indicators: []defender.Indicator{{ID: defender.FlexString(amp),
			IndicatorValue: amp, Title: amp, CreatedBy: amp, Action: defender.IndicatorAction(amp)}}}}},
	}
}
