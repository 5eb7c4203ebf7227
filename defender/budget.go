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

// Bucket is a token bucket: Burst calls at once, then one more every Every.
type Bucket struct {
	Burst int
	Every time.Duration
}

// WindowPlan is how one window is enforced: Shared, which every call takes, and Reserve (a
// zero Burst when the window is too small to split), which only approved actions and their
// follow-up take, Reserved calls of each window. Their bursts and refills together never let
// more than Window.Count calls through in any span of Window.Per.
type WindowPlan struct {
	Window          Window
	Reserved        int
	Shared, Reserve Bucket
}

// Plan returns each limited family's windows as buckets: what the local limiter enforces, and
// what a SharedBudget is given (cmd/mdebot passes it to the store), so both enforce the same.
func (l Limits) Plan() map[Family][]WindowPlan {
	out := map[Family][]WindowPlan{}
	for fam, windows := range l {
		for _, w := range windows {
			if w.Count <= 0 || w.Per <= 0 {
				continue
			}
			p := WindowPlan{Window: w}
			if w.Count >= 2*ReservedShare {
				p.Reserved = w.Count / ReservedShare
				p.Reserve = bucketOf(p.Reserved, w.Per)
			}
			p.Shared = bucketOf(w.Count-p.Reserved, w.Per)
			out[fam] = append(out[fam], p)
		}
	}
	return out
}

// bucketOf lets through at most count calls in any span of per: a burst of half the count
// serves chat's bursts (a device card is several calls) and the refill of the other half a
// steady load; with a burst of 1 the refill is the full count.
func bucketOf(count int, per time.Duration) Bucket {
	burst := max(1, count/2)
	refill := count - burst
	if burst == 1 {
		refill = count
	}
	return Bucket{Burst: burst, Every: per / time.Duration(refill)}
}

// divided is l with every window's count divided by n (at least 1 call each): one replica's
// share when the budgets it shares with n-1 others cannot be reached.
func (l Limits) divided(n int) Limits {
	out := Limits{}
	for fam, windows := range l {
		for _, w := range windows {
			out[fam] = append(out[fam], Window{Count: max(1, w.Count/max(1, n)), Per: w.Per})
		}
	}
	return out
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
	// Shared: the budget is kept in Redis for every replica (NewSharedLimiter); the counters
	// above are this replica's own tries.
	Shared bool
	// LocalShare, when above 0: Redis cannot be reached and this replica keeps 1/LocalShare of
	// the budget (LocalShare replicas were seen last).
	LocalShare int
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
	switch {
	case b.LocalShare > 0:
		s += fmt.Sprintf(", shared by the replicas but Redis is unreachable: this replica keeps 1/%d of it", b.LocalShare)
	case b.Shared:
		s += ", shared by every replica through Redis"
	}
	return s
}
