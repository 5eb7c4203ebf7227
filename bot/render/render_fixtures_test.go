package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
)

// Fixtures for the rendering tests: realistic answers and hostile ones (markup in every field,
// huge lists, huge text). renderNow is the fixed clock they are rendered at.

func renderNow() time.Time { return time.Date(2026, 11, 20, 11, 0, 0, 0, time.UTC) }

const (
	fxPortal  = "https://security.microsoft.com"
	fxHostile = "<!channel> *pwn* <@U0HOSTILE> <#C0HOSTILE|general> <!here> <!everyone> <!subteam^S0TEAM> " +
		"@channel @here _it_ ~st~ `co` ```bl``` <https://evil.example|click me> &amp; &lt;b&gt;\n> quoted"
	fxMachineID  = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07"
	fxMachineID2 = "9a3f0c1b2d4e5f60718293a4b5c6d7e8f9012345"
)

// renderFixture is one response to render, and the name of its golden file.
type renderFixture struct {
	name string
	resp commands.Response
}

func fxTime(hoursAgo float64) defender.Timestamp {
	return defender.Timestamp{Time: renderNow().Add(-time.Duration(hoursAgo * float64(time.Hour)))}
}

func fxHostileN(n int) string { return strings.Repeat(fxHostile+" ", n/len(fxHostile)+1)[:n] }

func fxMachine() defender.Machine {
	return defender.Machine{
		ID: fxMachineID, ComputerDNSName: "web01.contoso.com", FirstSeen: fxTime(24 * 400), LastSeen: fxTime(0.2),
		OSPlatform: "WindowsServer2022", Version: "21H2", OSBuild: 20348, OSArchitecture: "64-bit",
		LastIPAddress: "10.1.4.20", LastExternalIPAddress: "20.51.7.9", HealthStatus: "Active",
		OnboardingStatus: "Onboarded", RBACGroupName: "Tier0 Servers", RiskScore: "High", ExposureLevel: "Medium",
		DeviceValue: "High", IsAADJoined: true, MachineTags: []string{"prod", "pci", "web"},
		IPAddresses: []defender.IPAddress{
			{IPAddress: "10.1.4.20", MACAddress: "00155D010203", OperationalStatus: "Up"},
			{IPAddress: "fe80::1c2:3ff:fe04:506", OperationalStatus: "Up"},
			{IPAddress: "fe80::1c2:3ff:fe04:506", OperationalStatus: "Up"},
			{IPAddress: "192.168.56.10", OperationalStatus: "Down"},
		},
	}
}

func fxAlert() defender.Alert {
	return defender.Alert{
		ID: "da638123456789012345_-1234567890", IncidentID: 4211, AssignedTo: "alice@contoso.com",
		Severity: defender.SeverityHigh, Status: defender.StatusInProgress, Classification: defender.TruePositive,
		Determination: "Malware", DetectionSource: "WindowsDefenderAv", Category: "CredentialAccess",
		ThreatFamilyName: "Mimikatz", ThreatName: "HackTool:Win32/Mimikatz.D",
		Title:             "'Mimikatz' credential theft tool was detected",
		Description:       "A credential theft tool was found on the device. Attackers use it to dump credentials from LSASS memory.\nInvestigate the process tree and reset affected accounts.",
		AlertCreationTime: fxTime(3), FirstEventTime: fxTime(3.2), LastEventTime: fxTime(2.9), LastUpdateTime: fxTime(1),
		MachineID: fxMachineID, ComputerDNSName: "web01.contoso.com", RBACGroupName: "Tier0 Servers",
		MitreTechniques: []string{"T1003.001", "T1059.001"},
		RelatedUser:     &defender.RelatedUser{UserName: "svc_web", DomainName: "CONTOSO"},
		Comments:        []defender.AlertComment{{Comment: "Looking at it.", CreatedBy: "alice@contoso.com", CreatedTime: fxTime(1)}},
		Evidence: []defender.Evidence{
			{EntityType: "File", SHA1: "d1a2b3c4e5f60718293a4b5c6d7e8f9012345678", FileName: "mimikatz.exe", FilePath: `C:\Users\svc_web\AppData\Local\Temp`, DetectionStatus: "Prevented"},
			{EntityType: "Process", ProcessID: 4242, FileName: "powershell.exe", FilePath: `C:\Windows\System32\WindowsPowerShell\v1.0`, SHA1: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", ProcessCommandLine: `powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA`, ParentProcessFileName: "cmd.exe", ParentProcessID: 4100},
			{EntityType: "Ip", IPAddress: "203.0.113.77"},
			{EntityType: "Url", URL: "http://203.0.113.77/stage2.ps1"},
			{EntityType: "User", AccountName: "svc_web", DomainName: "CONTOSO", UserSID: "S-1-5-21-1004336348-1177238915-682003330-1234", UserPrincipalName: "svc_web@contoso.com"},
			{EntityType: "Registry", RegistryHive: "HKEY_LOCAL_MACHINE", RegistryKey: `SOFTWARE\Microsoft\Windows\CurrentVersion\Run`, RegistryValue: `C:\ProgramData\upd.exe`, RegistryValueType: "String"},
			{EntityType: "MailMessage", AccountName: "ceo@contoso.com"},
		},
	}
}

func fxHostileAlert(evidence int) defender.Alert {
	a := defender.Alert{
		ID: fxHostile, IncidentID: 1, AssignedTo: fxHostile, Severity: defender.Severity(fxHostile),
		Status: defender.AlertStatus(fxHostile), Classification: defender.Classification(fxHostile),
		Determination: fxHostile, DetectionSource: fxHostile, Category: fxHostile, ThreatFamilyName: fxHostile,
		ThreatName: fxHostile, Title: fxHostileN(5000), Description: fxHostileN(10000),
		MachineID: fxHostile, ComputerDNSName: fxHostileN(300), AlertCreationTime: fxTime(-5),
		RelatedUser: &defender.RelatedUser{UserName: fxHostile, DomainName: fxHostile},
		Comments:    []defender.AlertComment{{Comment: fxHostileN(2000), CreatedBy: fxHostile}},
	}
	for i := range 200 {
		a.MitreTechniques = append(a.MitreTechniques, fmt.Sprintf("T%04d %s", i, fxHostile))
	}
	cmdLine := fxHostileN(5000)
	for i := range evidence {
		s := fmt.Sprintf("%d %s", i, fxHostile)
		a.Evidence = append(a.Evidence, defender.Evidence{EntityType: []string{"File", "Process", "Ip", "Url", "User", "Registry", fxHostile}[i%7],
			SHA1: s, FileName: s, FilePath: s, ProcessCommandLine: cmdLine, ParentProcessFileName: s, IPAddress: s,
			URL: s, AccountName: s, DomainName: s, UserSID: s, UserPrincipalName: s, RegistryKey: s, RegistryHive: s,
			RegistryValue: s, RegistryValueType: s, DetectionStatus: s})
	}
	return a
}

func fxHostileMachine() defender.Machine {
	m := defender.Machine{
		ID: fxHostile, ComputerDNSName: fxHostileN(5000), OSPlatform: fxHostile, Version: fxHostile,
		OSArchitecture: fxHostile, LastIPAddress: fxHostile, LastExternalIPAddress: fxHostile, HealthStatus: fxHostile,
		OnboardingStatus: fxHostile, RBACGroupName: fxHostileN(3000), RiskScore: fxHostile, ExposureLevel: fxHostile,
		DeviceValue: fxHostile, LastSeen: fxTime(1),
	}
	for i := range 1000 {
		m.MachineTags = append(m.MachineTags, fmt.Sprintf("%d %s", i, fxHostile))
		m.IPAddresses = append(m.IPAddresses, defender.IPAddress{IPAddress: fmt.Sprintf("10.0.%d.%d %s", i/256, i%256, fxHostile)})
	}
	return m
}

func fxActions() []defender.MachineAction {
	return []defender.MachineAction{
		{ID: "7f3c1b6e-2d4a-4b8e-9c1d-0e2f3a4b5c6d", Type: defender.ActionIsolate, Scope: "Full", Requestor: "mdebot-app",
			RequestorComment: "mdebot req r-8c21 requested by U024BE7LH approved by U0G9QF9C6: ransomware on host",
			Status:           defender.ActionPending, MachineID: fxMachineID, ComputerDNSName: "web01.contoso.com",
			CreationDateTimeUTC: fxTime(0.1), LastUpdateDateTimeUTC: fxTime(0.05), ExternalID: "r-8c21"},
		{ID: "2a9d4c3b-1e0f-4a5b-8c7d-6e5f4a3b2c1d", Type: defender.ActionScan, Scope: "Quick", Requestor: "mdebot-app",
			Status: defender.ActionInProgress, MachineID: fxMachineID, ComputerDNSName: "web01.contoso.com",
			CreationDateTimeUTC: fxTime(0.5), LastUpdateDateTimeUTC: fxTime(0.2)},
		{ID: "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e", Type: defender.ActionStopAndQuarantine, Requestor: "bob@contoso.com",
			Status: defender.ActionFailed, MachineID: fxMachineID2, ComputerDNSName: "db02.contoso.com",
			CreationDateTimeUTC: fxTime(30), LastUpdateDateTimeUTC: fxTime(29), ErrorHResult: -2147024891,
			RelatedFileInfo: &defender.RelatedFile{FileIdentifier: "d1a2b3c4e5f60718293a4b5c6d7e8f9012345678", FileIdentifierType: "Sha1"}},
	}
}

func fxHostileAction() defender.MachineAction {
	return defender.MachineAction{ID: fxHostile, Type: defender.ActionType(fxHostile), Scope: fxHostile, Requestor: fxHostile,
		RequestSource: fxHostile, RequestorComment: fxHostileN(5000), Status: defender.ActionStatus(fxHostile),
		MachineID: fxHostile, ComputerDNSName: fxHostileN(500), CancellationRequestor: fxHostile,
		CancellationComment: fxHostileN(5000), ExternalID: fxHostile, Title: fxHostile,
		RelatedFileInfo: &defender.RelatedFile{FileIdentifier: fxHostile, FileIdentifierType: fxHostile}}
}

func fxIndicators() []defender.Indicator {
	return []defender.Indicator{
		{ID: "5021", IndicatorValue: "d1a2b3c4e5f60718293a4b5c6d7e8f9012345678", IndicatorType: defender.IndicatorSHA1,
			Action: defender.IndicatorBlockAndRemediate, Title: "Mimikatz dropper", CreatedBy: "mdebot-app",
			CreatedByDisplayName: "mdebot", CreationTime: fxTime(5), RBACGroupNames: []string{"Tier0 Servers"}},
		{ID: "5022", IndicatorValue: "evil.example", IndicatorType: defender.IndicatorDomain, Action: defender.IndicatorWarn,
			Title: "Phishing domain", CreatedBy: "bob@contoso.com", CreationTime: fxTime(50), ExpirationTime: fxTime(-24 * 7)},
		{ID: "5023", IndicatorValue: "203.0.113.77", IndicatorType: defender.IndicatorIP, Action: defender.IndicatorAudit,
			Title: "C2 candidate", CreationTime: fxTime(1)},
	}
}

func fxHunt(rows, cols int, cell func(r, c int) any) defender.HuntingResult {
	var res defender.HuntingResult
	for c := range cols {
		res.Schema = append(res.Schema, defender.HuntingColumn{Name: fmt.Sprintf("Column%d", c), Type: "String"})
	}
	for r := range rows {
		row := make(map[string]any, cols)
		for c := range cols {
			row[res.Schema[c].Name] = cell(r, c)
		}
		res.Results = append(res.Results, row)
	}
	return res
}

func fxVerbs() []*commands.Verb {
	v := func(name, usage, summary string, role commands.Role, approval bool) *commands.Verb {
		return &commands.Verb{Name: name, Usage: usage, Summary: summary, Role: role, Approval: approval,
			Details: []string{"Example: `" + name + " web01`", "<machine> is a device ID, a computer name or an IP address."}}
	}
	return []*commands.Verb{
		v("help", "[verb]", "List the commands, or explain one.", commands.Viewer, false),
		v("alerts", "[filters]", "Recent alerts (severity, status, since, machine, limit).", commands.Viewer, false),
		v("alert", "<id>", "One alert with evidence, machine, user, links.", commands.Viewer, false),
		v("machine", "<machine>", "Show a device card.", commands.Viewer, false),
		v("hunt", "<KQL...>", "Advanced hunting: a table in Slack and the full result as a file.", commands.Viewer, false),
		v("isolate", "<machine> <reason...>", "Isolate a device (`--selective` keeps Outlook and Teams).", commands.Responder, true),
		v("release", "<machine> <reason...>", "Release a device from isolation.", commands.Responder, true),
		v("block", "<hash|ip|domain|url> <reason...>", "Add a Block indicator.", commands.Responder, true),
		v("scan", "<machine> [reason...]", "Run a quick antivirus scan.", commands.Responder, false),
		v("mute", "<machine|title|sha1> for <duration> <reason...>", "Stop posting matching alerts for a while.", commands.Approver, false),
	}
}
