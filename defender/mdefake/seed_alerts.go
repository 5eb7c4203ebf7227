package mdefake

import (
	"fmt"
	"time"
)

// Evidence builders for the seeded alerts.
func fileEv(t time.Time, name, path string) Evidence {
	return Evidence{EntityType: "File", EvidenceCreationTime: t, SHA1: FakeSHA1(name), SHA256: FakeSHA256(name),
		FileName: name, FilePath: path, DetectionStatus: "Detected"}
}

func processEv(t time.Time, name, path, cmd, parent string, pid int64) Evidence {
	ppid := pid - 1000
	start := t.Add(-2 * time.Second)
	return Evidence{EntityType: "Process", EvidenceCreationTime: t, SHA1: FakeSHA1(name), SHA256: FakeSHA256(name),
		FileName: name, FilePath: path, ProcessID: &pid, ProcessCommandLine: cmd, ProcessCreationTime: &start,
		ParentProcessID: &ppid, ParentProcessCreationTime: &start, ParentProcessFileName: parent,
		ParentProcessFilePath: `C:\Windows\System32`}
}

func ipEv(t time.Time, ip string) Evidence {
	return Evidence{EntityType: "Ip", EvidenceCreationTime: t, IPAddress: ip}
}

func urlEv(t time.Time, u string) Evidence {
	return Evidence{EntityType: "Url", EvidenceCreationTime: t, URL: u}
}

func userEv(t time.Time, name, domain string) Evidence {
	return Evidence{EntityType: "User", EvidenceCreationTime: t, AccountName: name, DomainName: domain,
		UserPrincipalName: name + "@contoso.com"}
}

// seedAlert is the compact description of one seeded alert.
type seedAlert struct {
	machine, severity, status, category, title, source string
	ago                                                time.Duration
	incident                                           int64
	mitre                                              []string
	user                                               string
	evidence                                           func(t time.Time) []Evidence
}

// seedAlerts returns the twelve alerts of Seed, oldest first.
func seedAlerts(now time.Time) []Alert {
	h := time.Hour
	specs := []seedAlert{
		{DemoAlice, "Medium", "InProgress", "InitialAccess", "Malicious macro in Office document", "WindowsDefenderAv", 30 * h, 101, []string{"T1566.001", "T1204.002"}, "alice",
			func(t time.Time) []Evidence {
				return []Evidence{fileEv(t, "invoice.docm", `C:\Users\alice\Downloads`), processEv(t, "WINWORD.EXE", `C:\Program Files\Microsoft Office\root\Office16`, `"WINWORD.EXE" /n invoice.docm`, "explorer.exe", 4312)}
			}},
		{DemoAlice, "High", "New", "Execution", "Suspicious PowerShell command line", "WindowsDefenderAtp", 29 * h, 101, []string{"T1059.001", "T1105"}, "alice",
			func(t time.Time) []Evidence {
				return []Evidence{processEv(t, "powershell.exe", `C:\Windows\System32\WindowsPowerShell\v1.0`, "powershell.exe -nop -w hidden -enc SQBFAFgA", "WINWORD.EXE", 7720),
					fileEv(t, "payload.ps1", `C:\Users\alice\AppData\Local\Temp`), urlEv(t, "http://malicious-cdn.example.net/payload.ps1")}
			}},
		{DemoAlice, "High", "New", "CommandAndControl", "Connection to a known command and control server", "WindowsDefenderAtp", 28 * h, 101, []string{"T1071.001"}, "alice",
			func(t time.Time) []Evidence {
				return []Evidence{ipEv(t, "198.51.100.23"), urlEv(t, "https://c2.example.org/beacon")}
			}},
		{DemoDC, "High", "New", "CredentialAccess", "Mimikatz credential theft tool", "WindowsDefenderAv", 20 * h, 102, []string{"T1003.001"}, "admin-t0",
			func(t time.Time) []Evidence {
				return []Evidence{fileEv(t, "mimikatz.exe", `C:\ProgramData\tmp`), userEv(t, "admin-t0", "CONTOSO")}
			}},
		{DemoDC, "Medium", "New", "LateralMovement", "Suspicious remote service creation", "WindowsDefenderAtp", 19 * h, 102, []string{"T1021.002", "T1569.002"}, "admin-t0",
			func(t time.Time) []Evidence {
				return []Evidence{ipEv(t, "10.1.2.3"), processEv(t, "services.exe", `C:\Windows\System32`, "services.exe", "wininit.exe", 812)}
			}},
		{DemoBob, "Low", "Resolved", "SuspiciousActivity", "Unusual sign-in activity", "MCAS", 50 * h, 104, []string{"T1078"}, "bob",
			func(t time.Time) []Evidence { return []Evidence{userEv(t, "bob", "CONTOSO"), ipEv(t, "192.0.2.44")} }},
		{DemoBob, "Informational", "New", "Discovery", "Network scan detected", "WindowsDefenderAtp", 6 * h, 105, []string{"T1046"}, "bob",
			func(t time.Time) []Evidence { return []Evidence{ipEv(t, "10.1.2.50")} }},
		{DemoLinux, "Medium", "New", "Malware", "Coin miner detected", "WindowsDefenderAv", 12 * h, 106, []string{"T1496"}, "",
			func(t time.Time) []Evidence {
				return []Evidence{fileEv(t, "xmrig", "/tmp/.cache"), urlEv(t, "stratum+tcp://pool.miner.example.org:3333")}
			}},
		{DemoWebContoso, "High", "InProgress", "Persistence", "Web shell detected on IIS server", "WindowsDefenderAtp", 10 * h, 103, []string{"T1505.003"}, "svc-web",
			func(t time.Time) []Evidence {
				return []Evidence{fileEv(t, "shell.aspx", `C:\inetpub\wwwroot\uploads`), processEv(t, "w3wp.exe", `C:\Windows\System32\inetsrv`, "w3wp.exe -ap DefaultAppPool", "svchost.exe", 5120)}
			}},
		{DemoWebFabrikam, "Low", "New", "DefenseEvasion", "Attempt to turn off Microsoft Defender Antivirus protection", "WindowsDefenderAtp", 8 * h, 107, []string{"T1562.001"}, "",
			func(t time.Time) []Evidence {
				return []Evidence{{EntityType: "Registry", EvidenceCreationTime: t, RegistryKey: `SOFTWARE\Policies\Microsoft\Windows Defender`,
					RegistryHive: "HKEY_LOCAL_MACHINE", RegistryValueType: "Dword", RegistryValue: "DisableAntiSpyware=1"}}
			}},
		{DemoAlice, "Medium", "Resolved", "Malware", "Blocked download of a malicious file", "WindowsDefenderSmartScreen", 70 * h, 108, []string{"T1204.002"}, "alice",
			func(t time.Time) []Evidence {
				return []Evidence{urlEv(t, "https://downloads.example.com/free-tool.exe"), fileEv(t, "free-tool.exe", `C:\Users\alice\Downloads`)}
			}},
		{DemoWebContoso, "Medium", "New", "Exfiltration", "Large data transfer to a cloud storage service", "WindowsDefenderAtp", 2 * h, 103, []string{"T1567.002"}, "svc-web",
			func(t time.Time) []Evidence {
				return []Evidence{urlEv(t, "https://storage.example.com/upload"), ipEv(t, "203.0.113.200")}
			}},
	}
	out := make([]Alert, 0, len(specs))
	for i, s := range specs {
		created := now.Add(-s.ago)
		incident := s.incident
		a := Alert{
			ID:                 fmt.Sprintf("da6386%014d_%d", 12345678901234-int64(i)*7919, 1364969609+i),
			IncidentID:         &incident,
			InvestigationState: "Running",
			Severity:           s.severity, Status: s.status, Category: s.category, Title: s.title,
			Description:       "Seeded alert: " + s.title + ".",
			DetectionSource:   s.source,
			DetectorID:        fmt.Sprintf("6b8e6a0f-2c4d-4f5a-9e1b-%012d", i+1),
			AlertCreationTime: created, FirstEventTime: created.Add(-5 * time.Minute), LastEventTime: created.Add(-time.Minute),
			LastUpdateTime: created.Add(10 * time.Minute),
			MachineID:      MachineID(s.machine), AADTenantID: DemoTenantID,
			MitreTechniques: s.mitre, Evidence: s.evidence(created.Add(-time.Minute)),
		}
		if s.user != "" {
			a.RelatedUser = &RelatedUser{UserName: s.user, DomainName: "CONTOSO"}
		}
		switch s.status {
		case "InProgress":
			a.AssignedTo = "analyst@contoso.com"
		case "Resolved":
			a.AssignedTo, a.InvestigationState = "analyst@contoso.com", "Benign"
			resolved := created.Add(2 * time.Hour)
			a.ResolvedTime, a.LastUpdateTime = &resolved, resolved
			a.Classification, a.Determination = "FalsePositive", "Clean"
			if s.category == "Malware" {
				a.Classification, a.Determination, a.InvestigationState = "TruePositive", "Malware", "SuccessfullyRemediated"
			}
			a.Comments = []AlertComment{{Comment: "Checked with the user; closing.", CreatedBy: "analyst@contoso.com", CreatedTime: resolved}}
		}
		switch {
		case s.machine == DemoLinux:
			a.ThreatFamilyName, a.ThreatName = "CoinMiner", "PUA:Linux/CoinMiner"
		case s.category == "CredentialAccess":
			a.ThreatFamilyName, a.ThreatName = "Mimikatz", "HackTool:Win64/Mimikatz"
		}
		out = append(out, a)
	}
	return out
}
