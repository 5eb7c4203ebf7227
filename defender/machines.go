package defender

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Machine is an MDE device. MDE has no isolation flag; see IsolationState.
// https://learn.microsoft.com/defender-endpoint/api/machine
type Machine struct {
	ID                    string      `json:"id"`
	ComputerDNSName       string      `json:"computerDnsName"`
	FirstSeen             Timestamp   `json:"firstSeen"`
	LastSeen              Timestamp   `json:"lastSeen"`
	OSPlatform            string      `json:"osPlatform,omitempty"`
	Version               string      `json:"version,omitempty"`
	OSBuild               int64       `json:"osBuild,omitempty"`
	OSProcessor           string      `json:"osProcessor,omitempty"`
	OSArchitecture        string      `json:"osArchitecture,omitempty"`
	LastIPAddress         string      `json:"lastIpAddress,omitempty"`
	LastExternalIPAddress string      `json:"lastExternalIpAddress,omitempty"`
	HealthStatus          string      `json:"healthStatus,omitempty"`
	OnboardingStatus      string      `json:"onboardingStatus,omitempty"`
	RBACGroupID           FlexString  `json:"rbacGroupId,omitempty"`
	RBACGroupName         string      `json:"rbacGroupName,omitempty"`
	RiskScore             string      `json:"riskScore,omitempty"`
	ExposureLevel         string      `json:"exposureLevel,omitempty"`
	DeviceValue           string      `json:"deviceValue,omitempty"`
	AADDeviceID           string      `json:"aadDeviceId,omitempty"`
	IsAADJoined           bool        `json:"isAadJoined,omitempty"`
	MachineTags           []string    `json:"machineTags,omitempty"`
	IPAddresses           []IPAddress `json:"ipAddresses,omitempty"`
}

// IPAddress is one network interface address of a machine.
type IPAddress struct {
	IPAddress         string `json:"ipAddress"`
	MACAddress        string `json:"macAddress,omitempty"`
	OperationalStatus string `json:"operationalStatus,omitempty"`
}

// ShortName is the computer name without its domain.
func (m Machine) ShortName() string {
	name, _, _ := strings.Cut(m.ComputerDNSName, ".")
	return name
}

// Machines iterates over the devices the options select.
// https://learn.microsoft.com/defender-endpoint/api/get-machines
func (c *Client) Machines(ctx context.Context, opts ListOptions) iter.Seq2[Machine, error] {
	return list[Machine](ctx, c, "machines", opts, nil)
}

// ListMachines returns every device the options select.
func (c *Client) ListMachines(ctx context.Context, opts ListOptions) ([]Machine, error) {
	return collect(c.Machines(ctx, opts))
}

// GetMachine returns a device by its ID (MDE also accepts a computer name here).
// https://learn.microsoft.com/defender-endpoint/api/get-machine-by-id
func (c *Client) GetMachine(ctx context.Context, id string) (Machine, error) {
	var m Machine
	seg, err := segment(id)
	if err != nil {
		return m, err
	}
	err = c.do(ctx, call{method: http.MethodGet, path: "machines/" + seg}, &m)
	return m, err
}

// MachinesByName returns the devices whose computer name is name, compared case-insensitively,
// either as the full DNS name or as the short name before the first dot. A short name can match
// several devices in different domains; the caller must choose, never guess.
func (c *Client) MachinesByName(ctx context.Context, name string) ([]Machine, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return nil, &ValidationError{Kind: "computer name", Reason: "it is empty"}
	}
	var out []Machine
	for m, err := range c.Machines(ctx, ListOptions{Filter: StartsWith("computerDnsName", name)}) {
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(m.ComputerDNSName, name) || strings.EqualFold(m.ShortName(), name) {
			out = append(out, m)
		}
	}
	return out, nil
}

// MachinesByPrefix returns devices whose computer name starts with prefix.
func (c *Client) MachinesByPrefix(ctx context.Context, prefix string, limit int) ([]Machine, error) {
	f := StartsWith("computerDnsName", strings.ToLower(strings.TrimSpace(prefix)))
	return collect(c.Machines(ctx, ListOptions{Filter: f, Limit: limit}))
}

// findByIPSkew is how far before now a findbyip timestamp is sent at the latest: the service
// refuses a timestamp that is not in the past 30 days, and a clock a little ahead of MDE's would
// otherwise send a future one. The search covers 15 minutes either side, so "now" still finds
// the devices seen in the last 10 minutes.
const findByIPSkew = 5 * time.Minute

// MachinesByIP returns the devices that had ip within 15 minutes of at (which must be within
// the last 30 days); at is moved back to at most five minutes before now.
// https://learn.microsoft.com/defender-endpoint/api/find-machines-by-ip
func (c *Client) MachinesByIP(ctx context.Context, ip netip.Addr, at time.Time) ([]Machine, error) {
	if !ip.IsValid() {
		return nil, &ValidationError{Kind: "IP address", Reason: "it is empty"}
	}
	if latest := time.Now().Add(-findByIPSkew); at.IsZero() || at.After(latest) {
		at = latest
	}
	path := fmt.Sprintf("machines/findbyip(ip='%s',timestamp=%s)", ip.String(), at.UTC().Format("2006-01-02T15:04:05Z"))
	return getList[Machine](ctx, c, path, nil)
}

// MachinesByTag returns the devices with a tag (or a tag starting with it, when prefix is set).
// https://learn.microsoft.com/defender-endpoint/api/find-machines-by-tag
func (c *Client) MachinesByTag(ctx context.Context, tag string, prefix bool) ([]Machine, error) {
	if strings.TrimSpace(tag) == "" {
		return nil, &ValidationError{Kind: "tag", Reason: "it is empty"}
	}
	q := url.Values{"tag": {tag}, "useStartsWithFilter": {fmt.Sprint(prefix)}}
	return getList[Machine](ctx, c, "machines/findbytag", q)
}

// MachineLogonUsers returns the users who logged on to a device.
// https://learn.microsoft.com/defender-endpoint/api/get-machine-log-on-users
func (c *Client) MachineLogonUsers(ctx context.Context, id string) ([]User, error) {
	seg, err := segment(id)
	if err != nil {
		return nil, err
	}
	return getList[User](ctx, c, "machines/"+seg+"/logonusers", nil)
}

// MachineAlerts returns the alerts on a device.
// https://learn.microsoft.com/defender-endpoint/api/get-machine-related-alerts
func (c *Client) MachineAlerts(ctx context.Context, id string) ([]Alert, error) {
	seg, err := segment(id)
	if err != nil {
		return nil, err
	}
	return getList[Alert](ctx, c, "machines/"+seg+"/alerts", nil)
}
