package mdefake

import (
	"crypto/sha1" //nolint:gosec // machine ids are 40-hex strings, derived from names for determinism
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Machine is an MDE device with the JSON names of the machine resource.
type Machine struct {
	ID                    string      `json:"id"`
	ComputerDNSName       string      `json:"computerDnsName"`
	FirstSeen             time.Time   `json:"firstSeen"`
	LastSeen              time.Time   `json:"lastSeen"`
	OSPlatform            string      `json:"osPlatform"`
	Version               string      `json:"version"`
	OSArchitecture        string      `json:"osArchitecture"`
	OSBuild               *int64      `json:"osBuild"`
	LastIPAddress         string      `json:"lastIpAddress"`
	LastExternalIPAddress string      `json:"lastExternalIpAddress"`
	HealthStatus          string      `json:"healthStatus"`
	OnboardingStatus      string      `json:"onboardingStatus"`
	RBACGroupID           int64       `json:"rbacGroupId"`
	RBACGroupName         string      `json:"rbacGroupName"`
	RiskScore             string      `json:"riskScore"`
	ExposureLevel         string      `json:"exposureLevel"`
	DeviceValue           string      `json:"deviceValue"`
	IsAADJoined           bool        `json:"isAadJoined"`
	AADDeviceID           *string     `json:"aadDeviceId"`
	MachineTags           []string    `json:"machineTags"`
	IPAddresses           []IPAddress `json:"ipAddresses"`
}

// IPAddress is one network interface address of a machine.
type IPAddress struct {
	IPAddress         string `json:"ipAddress"`
	MACAddress        string `json:"macAddress"`
	Type              string `json:"type"`
	OperationalStatus string `json:"operationalStatus"`
}

// User is an MDE user profile, as returned by logon users and alert → user.
type User struct {
	ID                      string    `json:"id"`
	AccountName             string    `json:"accountName"`
	AccountDomain           string    `json:"accountDomain"`
	AccountSID              string    `json:"accountSid"`
	FirstSeen               time.Time `json:"firstSeen"`
	LastSeen                time.Time `json:"lastSeen"`
	MostPrevalentMachineID  string    `json:"mostPrevalentMachineId"`
	LeastPrevalentMachineID string    `json:"leastPrevalentMachineId"`
	LogonTypes              string    `json:"logonTypes"`
	LogOnMachinesCount      int       `json:"logOnMachinesCount"`
	IsDomainAdmin           bool      `json:"isDomainAdmin"`
	IsOnlyNetworkUser       bool      `json:"isOnlyNetworkUser"`
}

// MachineID returns the 40-hex device id the fake derives from a computer name, so seeded and
// generated data is stable across runs.
func MachineID(computerDNSName string) string {
	sum := sha1.Sum([]byte(strings.ToLower(computerDNSName))) //nolint:gosec // not a security use
	return hex.EncodeToString(sum[:])
}

// machineFields are the properties GET /api/machines accepts in $filter.
func machineFields() fields[Machine] {
	return fields[Machine]{
		"computerdnsname":  {kindString, func(m *Machine) value { return strVal(m.ComputerDNSName) }},
		"id":               {kindString, func(m *Machine) value { return strVal(m.ID) }},
		"version":          {kindString, func(m *Machine) value { return strVal(m.Version) }},
		"devicevalue":      {kindString, func(m *Machine) value { return strVal(m.DeviceValue) }},
		"aaddeviceid":      {kindString, func(m *Machine) value { return strPtrVal(m.AADDeviceID) }},
		"machinetags":      {kindList, func(m *Machine) value { return value{list: m.MachineTags} }},
		"lastseen":         {kindTime, func(m *Machine) value { return timeVal(m.LastSeen) }},
		"exposurelevel":    {kindString, func(m *Machine) value { return strVal(m.ExposureLevel) }},
		"onboardingstatus": {kindString, func(m *Machine) value { return strVal(m.OnboardingStatus) }},
		"lastipaddress":    {kindString, func(m *Machine) value { return strVal(m.LastIPAddress) }},
		"healthstatus":     {kindString, func(m *Machine) value { return strVal(m.HealthStatus) }},
		"osplatform":       {kindString, func(m *Machine) value { return strVal(m.OSPlatform) }},
		"riskscore":        {kindString, func(m *Machine) value { return strVal(m.RiskScore) }},
		"rbacgroupid":      {kindNumber, func(m *Machine) value { return value{n: float64(m.RBACGroupID)} }},
	}
}

func strPtrVal(s *string) value {
	if s == nil {
		return value{null: true}
	}
	return strVal(*s)
}

func (m Machine) clone() Machine {
	m.MachineTags = cloneStrings(m.MachineTags)
	m.IPAddresses = append([]IPAddress{}, m.IPAddresses...)
	m.OSBuild = clonePtr(m.OSBuild)
	m.AADDeviceID = clonePtr(m.AADDeviceID)
	return m
}

// hasIP reports whether ip is the machine's last IP or one of its interface addresses.
func (m *Machine) hasIP(ip string) bool {
	if m.LastIPAddress == ip {
		return true
	}
	return slices.ContainsFunc(m.IPAddresses, func(a IPAddress) bool { return a.IPAddress == ip })
}

// AddMachine stores m, deriving its id from computerDnsName when empty and filling firstSeen,
// lastSeen (the fake's now), healthStatus Active and onboardingStatus Onboarded when empty. A
// machine with an existing id replaces it. It returns the stored machine.
func (f *Fake) AddMachine(m Machine) Machine {
	f.mu.Lock()
	defer f.mu.Unlock()
	m = m.clone()
	if m.ID == "" {
		m.ID = MachineID(m.ComputerDNSName)
	}
	m.ID = strings.ToLower(m.ID)
	if m.FirstSeen.IsZero() {
		m.FirstSeen = f.now.Add(-30 * 24 * time.Hour)
	}
	if m.LastSeen.IsZero() {
		m.LastSeen = f.now
	}
	if m.HealthStatus == "" {
		m.HealthStatus = "Active"
	}
	if m.OnboardingStatus == "" {
		m.OnboardingStatus = "Onboarded"
	}
	if i, ok := f.machineIdx[m.ID]; ok {
		f.machines[i] = m
	} else {
		f.machineIdx[m.ID] = len(f.machines)
		f.machines = append(f.machines, m)
	}
	return m.clone()
}

// Machine returns a copy of the machine with the given id or computer DNS name (case-insensitive).
func (f *Fake) Machine(idOrName string) (Machine, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.machineLocked(idOrName)
	if m == nil {
		return Machine{}, false
	}
	return m.clone(), true
}

// Machines returns copies of all machines in the order they were added.
func (f *Fake) Machines() []Machine {
	return f.machinesWhere(func(*Machine) bool { return true })
}

// machineLocked finds a machine by id, or else by full DNS name (the most recently seen one when
// several share it). f.mu must be held.
func (f *Fake) machineLocked(idOrName string) *Machine {
	if idOrName == "" {
		return nil
	}
	if i, ok := f.machineIdx[strings.ToLower(idOrName)]; ok {
		return &f.machines[i]
	}
	var best *Machine
	for i := range f.machines {
		m := &f.machines[i]
		if strings.EqualFold(m.ComputerDNSName, idOrName) && (best == nil || m.LastSeen.After(best.LastSeen)) {
			best = m
		}
	}
	return best
}

// machinesWhere returns copies of the machines for which keep is true.
func (f *Fake) machinesWhere(keep func(*Machine) bool) []Machine {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Machine
	for i := range f.machines {
		if keep(&f.machines[i]) {
			out = append(out, f.machines[i].clone())
		}
	}
	return out
}

// AddLogonUser records u as a user who logged on to the machine. It fills u.ID from the account
// domain and name when empty, and returns ErrNotFound for an unknown machine.
func (f *Fake) AddLogonUser(machineID string, u User) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.machineLocked(machineID)
	if m == nil {
		return fmt.Errorf("machine %s: %w", machineID, ErrNotFound)
	}
	if u.ID == "" {
		u.ID = strings.ToLower(u.AccountDomain) + `\` + u.AccountName
	}
	if u.MostPrevalentMachineID == "" {
		u.MostPrevalentMachineID = m.ID
	}
	f.logonUsers[m.ID] = append(f.logonUsers[m.ID], u)
	return nil
}

// logonUsersLocked returns a copy of the users of a machine. f.mu must be held.
func (f *Fake) logonUsersLocked(machineID string) []User {
	return append([]User{}, f.logonUsers[machineID]...)
}
