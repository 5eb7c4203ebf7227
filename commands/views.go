package commands

import (
	"time"

	"github.com/mdebot/mdebot/defender"
)

// View is a structured answer that bot renders as Block Kit. Every field is raw data; the
// renderer escapes all of it.
type View interface{ isView() }

// More is the continuation of a list that was cut: the command to run again and where to start.
type More struct {
	Command string
	Offset  int
}

// Choice is one option of a choice: the label to show and the command its button runs.
type Choice struct {
	Label   string
	Detail  string
	Command string
}

// ChoiceView asks the user to pick one of several matches (never a guess).
type ChoiceView struct {
	Prompt  string
	Choices []Choice
}

// HelpView lists verbs, or details one.
type HelpView struct {
	Verbs []*Verb
	One   *Verb
}

// Isolation is what MDE's action history says about a device's isolation (MDE has no flag).
type Isolation struct {
	// State is "isolated", "not isolated" or "unknown".
	State string
	// Since is when the action that decided it finished.
	Since time.Time
	// Scope is Full or Selective for an isolation.
	Scope string
}

// Isolation states.
const (
	Isolated    = "isolated"
	NotIsolated = "not isolated"
	Unknown     = "unknown"
)

// MachineView is a device card.
type MachineView struct {
	Machine        defender.Machine
	OpenAlerts     []defender.Alert
	Pending        []defender.MachineAction
	Isolation      Isolation
	LogonUsers     []defender.User
	PortalURL      string
	AlertsUnknown  bool // the alerts could not be read (missing permission, throttled)
	ActionsUnknown bool
	// Contained are the containments of the device whose release at their end is to come.
	Contained []Approval
}

// MachineListView is a list of devices.
type MachineListView struct {
	Title    string
	Machines []defender.Machine
	More     *More
}

// AlertView is one alert with its evidence.
type AlertView struct {
	Alert     defender.Alert
	PortalURL string
}

// AlertListView is a list of alerts.
type AlertListView struct {
	Title     string
	Alerts    []defender.Alert
	More      *More
	PortalURL string
	// Note says what the list may be missing (more alerts matched than the bot can sort), or is
	// empty.
	Note string
}

// ActionView is one machine action.
type ActionView struct {
	Action    defender.MachineAction
	PortalURL string
}

// ActionListView is a list of machine actions.
type ActionListView struct {
	Title   string
	Actions []defender.MachineAction
	More    *More
	// Note says what the list may be missing (more actions matched than the bot can sort), or is
	// empty.
	Note string
	// Timed are the releases at the end of time-boxed containments still to come.
	Timed []Approval
}

// IndicatorListView is a list of custom indicators.
type IndicatorListView struct {
	Title      string
	Indicators []defender.Indicator
	More       *More
}

// EntityView is the enrichment of a file, an IP address, a domain or a user.
type EntityView struct {
	// Kind is "file", "ip", "domain" or "user".
	Kind     string
	Name     string
	File     *defender.File
	FileStat *defender.FileStats
	Stats    *defender.EntityStats
	Alerts   []defender.Alert
	Machines []defender.Machine
	// Notes are things that could not be read, in words.
	Notes     []string
	PortalURL string
}

// HuntView is an advanced hunting result; the full result goes with the response as a CSV file
// when it does not fit.
type HuntView struct {
	Query string
	// Result holds the rows to show: all of them, or the first 20 when the full result is
	// attached as a CSV file.
	Result defender.HuntingResult
	// TotalRows is how many rows the query returned (or were read, when Cut).
	TotalRows int
	// Cut, when set, says that the result was cut at mdebot's limits, and where.
	Cut string
}

// StatusCheck is one line of the status report.
type StatusCheck struct {
	Name   string
	OK     bool
	Detail string
}

// StatusView is the bot's health.
type StatusView struct {
	Checks  []StatusCheck
	Limiter defender.LimiterStats
	// Lanes are the bot's worker lanes, as they were when status ran.
	Lanes   []LaneStat
	Version string
}

// LaneStat is one worker lane of the bot: how many requests wait (of how many it may hold) and
// how many of its workers are busy.
type LaneStat struct {
	Name           string
	Waiting, Queue int
	Busy, Workers  int
}

// AuditEntry is one line of the audit trail.
type AuditEntry struct {
	ID        string
	Time      time.Time
	Event     string // requested, approved, denied, expired, executed, succeeded, failed ...
	Actor     string // Slack user ID, or "mdebot"
	Verb      string
	Target    string // device name or indicator
	MachineID string
	Request   string // approval request id
	ActionID  string // MDE machine action id
	Detail    string
}

// AuditView is a slice of the audit trail.
type AuditView struct {
	Filter  string
	Entries []AuditEntry
	More    *More
	// Stopped, when set, says the search stopped before the oldest entry, and where.
	Stopped string
}

func (ChoiceView) isView()        {}
func (HelpView) isView()          {}
func (MachineView) isView()       {}
func (MachineListView) isView()   {}
func (AlertView) isView()         {}
func (AlertListView) isView()     {}
func (ActionView) isView()        {}
func (ActionListView) isView()    {}
func (IndicatorListView) isView() {}
func (EntityView) isView()        {}
func (HuntView) isView()          {}
func (StatusView) isView()        {}
func (AuditView) isView()         {}
