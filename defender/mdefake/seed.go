package mdefake

import (
	"crypto/md5"  //nolint:gosec // fake file hashes derived from names
	"crypto/sha1" //nolint:gosec // fake file hashes derived from names
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// DemoTenantID is the Entra tenant id Seed writes into alerts (aadTenantId).
const DemoTenantID = "0b6a8f2e-5c1d-4e7a-9f3b-2d8c6e4a1b90"

// Names of the machines Seed adds.
const (
	DemoAlice       = "laptop-alice.contoso.com"
	DemoBob         = "laptop-bob.contoso.com"
	DemoDC          = "dc01.contoso.com"
	DemoLinux       = "build01.contoso.com"
	DemoWebContoso  = "web01.contoso.com"
	DemoWebFabrikam = "web01.fabrikam.local"
)

// FakeSHA1 returns the SHA-1 the seeded data uses for a file name (hex, lower case).
func FakeSHA1(name string) string { s := sha1.Sum([]byte(name)); return hex.EncodeToString(s[:]) } //nolint:gosec // fake data

// FakeSHA256 returns the SHA-256 the seeded data uses for a file name (hex, lower case).
func FakeSHA256(name string) string {
	s := sha256.Sum256([]byte(name))
	return hex.EncodeToString(s[:])
}

func fakeMD5(name string) string { s := md5.Sum([]byte(name)); return hex.EncodeToString(s[:]) } //nolint:gosec // fake data

// Seed fills a small realistic tenant relative to the fake's now: six machines (two Windows 11
// laptops, a tier0 domain controller in group Servers, a Linux build box, and two web01 servers
// in different domains), twelve alerts with evidence and MITRE techniques (incident 101 spans
// three of them), logon users, file profiles, indicators and one finished AV scan.
func (f *Fake) Seed() {
	now := f.Now()
	day := 24 * time.Hour
	build := func(n int64) *int64 { return &n }
	aad := func(s string) *string { return &s }
	ips := func(ip, mac string) []IPAddress {
		return []IPAddress{{IPAddress: ip, MACAddress: mac, Type: "Ethernet", OperationalStatus: "Up"}}
	}
	machines := []Machine{
		{ComputerDNSName: DemoAlice, OSPlatform: "Windows11", Version: "23H2", OSBuild: build(22631), OSArchitecture: "64-bit",
			LastIPAddress: "10.1.2.3", LastExternalIPAddress: "203.0.113.10", RBACGroupID: 1, RBACGroupName: "Workstations",
			RiskScore: "High", ExposureLevel: "Medium", DeviceValue: "Normal", IsAADJoined: true,
			AADDeviceID: aad("80fe8ff8-2624-418e-9591-41f0491218f9"), MachineTags: []string{"finance"}, IPAddresses: ips("10.1.2.3", "00-15-5D-01-02-03")},
		{ComputerDNSName: DemoBob, OSPlatform: "Windows11", Version: "23H2", OSBuild: build(22631), OSArchitecture: "64-bit",
			LastIPAddress: "10.1.2.4", LastExternalIPAddress: "203.0.113.10", RBACGroupID: 1, RBACGroupName: "Workstations",
			RiskScore: "Medium", ExposureLevel: "Low", DeviceValue: "Normal", IsAADJoined: true,
			AADDeviceID: aad("1c9a3b8e-5d0f-4a77-9c2e-0f6b7a1d2e34"), IPAddresses: ips("10.1.2.4", "00-15-5D-01-02-04")},
		{ComputerDNSName: DemoDC, OSPlatform: "WindowsServer2022", Version: "21H2", OSBuild: build(20348), OSArchitecture: "64-bit",
			LastIPAddress: "10.0.0.5", LastExternalIPAddress: "203.0.113.2", RBACGroupID: 2, RBACGroupName: "Servers",
			RiskScore: "Low", ExposureLevel: "Low", DeviceValue: "High", MachineTags: []string{"tier0"}, IPAddresses: ips("10.0.0.5", "00-15-5D-00-00-05")},
		{ComputerDNSName: DemoLinux, OSPlatform: "Linux", Version: "22.04", OSArchitecture: "64-bit",
			LastIPAddress: "10.0.5.20", LastExternalIPAddress: "203.0.113.3", RBACGroupID: 3, RBACGroupName: "Linux",
			RiskScore: "None", ExposureLevel: "Medium", DeviceValue: "Normal", MachineTags: []string{"ci"}, IPAddresses: ips("10.0.5.20", "00-15-5D-00-05-20")},
		{ComputerDNSName: DemoWebContoso, OSPlatform: "WindowsServer2019", Version: "1809", OSBuild: build(17763), OSArchitecture: "64-bit",
			LastIPAddress: "10.2.0.10", LastExternalIPAddress: "198.51.100.80", RBACGroupID: 2, RBACGroupName: "Servers",
			RiskScore: "Medium", ExposureLevel: "High", DeviceValue: "Normal", MachineTags: []string{"dmz"}, IPAddresses: ips("10.2.0.10", "00-15-5D-02-00-10")},
		{ComputerDNSName: DemoWebFabrikam, OSPlatform: "WindowsServer2019", Version: "1809", OSBuild: build(17763), OSArchitecture: "64-bit",
			LastIPAddress: "10.3.0.10", LastExternalIPAddress: "198.51.100.90", HealthStatus: "Inactive", LastSeen: now.Add(-5 * day),
			RBACGroupID: 2, RBACGroupName: "Servers", RiskScore: "Low", ExposureLevel: "Medium", DeviceValue: "Normal",
			MachineTags: []string{"dmz", "fabrikam"}, IPAddresses: ips("10.3.0.10", "00-15-5D-03-00-10")},
	}
	for _, m := range machines {
		f.AddMachine(m)
	}
	f.seedUsersAndFiles(now)
	for _, a := range seedAlerts(now) {
		f.AddAlert(a)
	}
	f.seedIndicatorsAndActions(now)
}

func (f *Fake) seedUsersAndFiles(now time.Time) {
	day := 24 * time.Hour
	users := []struct {
		machine string
		u       User
	}{
		{DemoAlice, User{AccountName: "alice", AccountDomain: "CONTOSO", AccountSID: "S-1-5-21-1004336348-1177238915-682003330-1104", LogonTypes: "Interactive", LogOnMachinesCount: 1}},
		{DemoBob, User{AccountName: "bob", AccountDomain: "CONTOSO", AccountSID: "S-1-5-21-1004336348-1177238915-682003330-1105", LogonTypes: "Interactive", LogOnMachinesCount: 1}},
		{DemoDC, User{AccountName: "admin-t0", AccountDomain: "CONTOSO", AccountSID: "S-1-5-21-1004336348-1177238915-682003330-500", LogonTypes: "RemoteInteractive", LogOnMachinesCount: 1, IsDomainAdmin: true}},
		{DemoWebContoso, User{AccountName: "svc-web", AccountDomain: "CONTOSO", AccountSID: "S-1-5-21-1004336348-1177238915-682003330-2201", LogonTypes: "Service", LogOnMachinesCount: 2}},
	}
	for _, x := range users {
		x.u.FirstSeen, x.u.LastSeen = now.Add(-90*day), now.Add(-time.Hour)
		_ = f.AddLogonUser(MachineID(x.machine), x.u)
	}
	files := []File{
		{SHA1: FakeSHA1("mimikatz.exe"), SHA256: FakeSHA256("mimikatz.exe"), MD5: fakeMD5("mimikatz.exe"), GlobalPrevalence: 1540,
			Size: 1250056, FileType: "PortableExecutable", IsPEFile: true, FilePublisher: "gentilkiwi (Benjamin DELPY)", FileProductName: "mimikatz",
			Signer: "", DeterminationType: "Malware", DeterminationValue: "HackTool:Win64/Mimikatz"},
		{SHA1: FakeSHA1("invoice.docm"), SHA256: FakeSHA256("invoice.docm"), MD5: fakeMD5("invoice.docm"), GlobalPrevalence: 37,
			Size: 48211, FileType: "Document", DeterminationType: "Malware", DeterminationValue: "TrojanDownloader:O97M/Donoff"},
		{SHA1: FakeSHA1("xmrig"), SHA256: FakeSHA256("xmrig"), MD5: fakeMD5("xmrig"), GlobalPrevalence: 88210,
			Size: 8376320, FileType: "Elf", DeterminationType: "Pua", DeterminationValue: "PUA:Linux/CoinMiner"},
		{SHA1: FakeSHA1("powershell.exe"), SHA256: FakeSHA256("powershell.exe"), MD5: fakeMD5("powershell.exe"), GlobalPrevalence: 9800000,
			Size: 450560, FileType: "PortableExecutable", IsPEFile: true, FilePublisher: "Microsoft Corporation", FileProductName: "Microsoft Windows Operating System",
			Signer: "Microsoft Windows", Issuer: "Microsoft Windows Production PCA 2011", IsValidCertificate: true, DeterminationType: "Clean"},
	}
	for _, file := range files {
		file.GlobalFirstObserved, file.GlobalLastObserved = now.Add(-400*day), now.Add(-time.Hour)
		f.AddFile(file)
	}
}

func (f *Fake) seedIndicatorsAndActions(now time.Time) {
	exp := now.Add(30 * 24 * time.Hour)
	for _, ind := range []Indicator{
		{IndicatorValue: FakeSHA256("mimikatz.exe"), IndicatorType: "FileSha256", Action: "BlockAndRemediate", Title: "Mimikatz",
			Description: "Credential theft tool seen on dc01", Severity: "High", GenerateAlert: true},
		{IndicatorValue: "198.51.100.23", IndicatorType: "IpAddress", Action: "Audit", Title: "Known C2 server",
			Description: "C2 from incident 101", Severity: "Medium", GenerateAlert: true, ExpirationTime: &exp},
		{IndicatorValue: "malicious-cdn.example.net", IndicatorType: "DomainName", Action: "Block", Title: "Payload host",
			Description: "Hosts the PowerShell payload of incident 101", Severity: "High"},
	} {
		ind.CreatedBy, ind.CreatedByDisplayName, ind.Source = "secops@contoso.com", "SecOps", "secops@contoso.com"
		ind.SourceType, ind.CreatedBySource, ind.LastUpdatedBy = "User", "Portal", "secops@contoso.com"
		ind.CreationTimeDateTimeUTC, ind.LastUpdateTime = now.Add(-48*time.Hour), now.Add(-48*time.Hour)
		ind.RBACGroupNames, ind.RBACGroupIDs = []string{}, []string{}
		f.AddIndicator(ind)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	scope, bob := "Quick", MachineID(DemoBob)
	a := MachineAction{ID: "7c1e5a5e-3f43-4d2b-9b1a-5b0f3a1e9d01", Type: "RunAntiVirusScan", Scope: &scope,
		Requestor: "secops@contoso.com", RequestSource: "Portal", RequestorComment: "Routine scan after phishing report",
		Status: StatusSucceeded, MachineID: bob, ComputerDNSName: DemoBob,
		CreationDateTimeUTC: now.Add(-3 * time.Hour), LastUpdateDateTimeUTC: now.Add(-3*time.Hour + 4*time.Minute)}
	if _, ok := f.actionIdx[a.ID]; !ok {
		f.actionIdx[a.ID] = len(f.actions)
		f.actions = append(f.actions, actionRec{a: a})
	}
}
