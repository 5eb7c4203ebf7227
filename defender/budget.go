package defender

import (
	"fmt"
	"strings"
	"time"
)

// Family groups the endpoints of one API; each family has a budget of its own. MDE's limits
// hold per API, not per tenant (every endpoint page states "Rate limitations for this API are
// 100 calls per minute and 1500 calls per hour", e.g. List machines API,
// https://learn.microsoft.com/defender-endpoint/api/get-machines), so a burst of device cards
// cannot stall the alert poller, and a burst of anything cannot stall an approved action.
type Family int

// The families, see familyOf for the endpoints of each.
const (
	Machines       Family = iota // machines, findbyip, findbytag, logon users, machine alerts
	Alerts                       // alerts and their related entities, alert updates
	MachineActions               // machineactions, cancel, and the response actions themselves
	Indicators                   // custom indicators
	Entities                     // files, ips, domains, users
	Hunting                      // advanced hunting (MDE or Graph runHuntingQuery)
	PackageURI                   // the investigation package link
)

// Families lists every family in a stable order, for status reports.
var Families = []Family{Machines, Alerts, MachineActions, Indicators, Entities, Hunting, PackageURI}

func (f Family) String() string {
	return [...]string{"machines", "alerts", "machine actions", "indicators", "files/ips/domains/users", "hunting", "package URI"}[f]
}

// Window is "at most Count calls in any Per".
type Window struct {
	Count int
	Per   time.Duration
}

// Limits are the windows per family; a family without windows has no client-side limit.
type Limits map[Family][]Window

// DefaultLimits are the documented limits: 100 calls a minute and 1,500 an hour per API; 45 a
// minute and 1,500 an hour for advanced hunting (Advanced hunting API,
// https://learn.microsoft.com/defender-endpoint/api/run-advanced-query-api; Graph's hunting
// "at least 45 calls per minute per tenant", https://learn.microsoft.com/defender-xdr/api-advanced-hunting);
// 2 a minute and 120 an hour for the package URI (Get package SAS URI API,
// https://learn.microsoft.com/defender-endpoint/api/get-package-sas-uri).
func DefaultLimits() Limits {
	l := Limits{}
	for _, f := range Families {
		l[f] = []Window{{Count: 100, Per: time.Minute}, {Count: 1500, Per: time.Hour}}
	}
	l[Hunting] = []Window{{Count: 45, Per: time.Minute}, {Count: 1500, Per: time.Hour}}
	l[PackageURI] = []Window{{Count: 2, Per: time.Minute}, {Count: 120, Per: time.Hour}}
	return l
}

// Unlimited has no client-side limits (tests and benchmarks against a fake).
func Unlimited() Limits { return Limits{} }

// ReservedShare is the part of each window kept for approved actions and their follow-up
// (execution, status, cancel): chat look-ups can use only the rest, so none of them, however
// many, delays an approved isolation.
const ReservedShare = 5 // one fifth

// BudgetStats is one family's budget and what it did.
type BudgetStats struct {
	Family   Family
	Windows  []Window
	Reserved int   // calls a minute kept for approved actions
	Requests int64 // tries that passed
	Delayed  int64 // tries that waited
	FromRes  int64 // tries of approved actions served from the reserve
}

// String is the budget in a line, e.g. "100/min, 1500/h (20/min reserved for approved actions)".
func (b BudgetStats) String() string {
	parts := make([]string, 0, len(b.Windows))
	for _, w := range b.Windows {
		unit := w.Per.String()
		switch w.Per {
		case time.Minute:
			unit = "min"
		case time.Hour:
			unit = "h"
		}
		parts = append(parts, fmt.Sprintf("%d/%s", w.Count, unit))
	}
	s := strings.Join(parts, ", ")
	if b.Reserved > 0 {
		s += fmt.Sprintf(" (%d/min reserved for approved actions)", b.Reserved)
	}
	return s
}
