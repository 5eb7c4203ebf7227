package commands

import (
	"context"
	"time"

	"github.com/mdebot/mdebot/defender"
)

// AuditReader reads the audit trail, newest first, within a bounded window of the newest
// entries.
type AuditReader interface {
	Audit(ctx context.Context, q AuditQuery) (AuditPage, error)
}

// AuditPage is what an audit query found, and where it stopped reading.
type AuditPage struct {
	Entries []AuditEntry
	// Stopped says the query read its window of Scanned newest entries, back to StoppedAt, and
	// did not search older ones.
	Stopped   bool
	Scanned   int
	StoppedAt time.Time
}

// AuditQuery selects audit entries: all that match every non-empty field.
type AuditQuery struct {
	MachineID string
	Target    string // device name or indicator value, case-insensitive
	User      string // Slack user ID of any actor
	ActionID  string // MDE machine action id or approval request id
	Offset    int
	Limit     int
	// Window is how many of the newest entries to read at most; 0 is the store's default.
	Window int
}

// Probe is one check of the status command.
type Probe struct {
	Name  string
	Check func(ctx context.Context) (detail string, err error)
}

// Deps are what the verbs use.
type Deps struct {
	// MDE is the Defender client.
	MDE *defender.Client
	// Hunt runs the hunt verb's queries: a Microsoft Graph client (runHuntingQuery) by default,
	// or the MDE client for tenants that still have MDE's hunting API; MDE when nil.
	Hunt *defender.Client
	// Permissions reads what the app's tokens grant (defender.PermissionsOf); nil checks nothing.
	// A verb whose permission is missing answers with that fact instead of calling MDE, and
	// status lists every feature.
	Permissions func(ctx context.Context) (defender.Permissions, error)
	// PortalURL is the Defender portal of the cloud, for links.
	PortalURL string
	// Audit reads the audit trail; nil until approvals are wired.
	Audit AuditReader
	// Approvals is the four-eyes workflow behind the response verbs; without it they are not
	// registered.
	Approvals *Approvals
	// Probes are the checks the status command runs.
	Probes []Probe
	// Lanes reports the bot's worker lanes for status; nil shows none.
	Lanes func() []LaneStat
	// Version is the bot's version, for status.
	Version string
	// Now is the clock.
	Now func() time.Time
	// Mutes keeps alert mutes; nil when alert notifications are off (no mute verbs then).
	Mutes MuteStore
	// MuteAudit writes mutes and unmutes to the audit trail; nil writes nothing.
	MuteAudit MuteAuditor
	// TempDir is where hunting results are written as CSV before their upload; the system's
	// temporary directory when empty. HuntLimits bound what one hunting reply may cost (zero:
	// defender's limits).
	TempDir    string
	HuntLimits defender.HuntLimits
}

func (d Deps) hunter() *defender.Client {
	if d.Hunt != nil {
		return d.Hunt
	}
	return d.MDE
}

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// pageSize is how many items a list shows before its "more" button.
const pageSize = 10
