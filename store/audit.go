package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The audit trail is one Redis stream, appended to and never edited. It is
// bounded: XADD trims it to about AuditCap entries (the oldest go first; the
// trim is approximate, as MAXLEN ~ allows, so a few more may remain), and the
// key expires AuditRetention after the last append. Redis is not a
// compliance store: the bot also logs every entry, and MDEBOT_AUDIT_CHANNEL
// mirrors it to Slack.
const (
	// AuditCap is about how many entries the trail keeps.
	AuditCap = 100000
	// AuditRetention is how long the trail lives after its last entry.
	AuditRetention = 365 * 24 * time.Hour
	// auditBatch is how many entries one read of the stream returns.
	auditBatch = 500
	// AuditScanWindow is how many of the newest entries one query reads at most, so that a
	// filter that matches little does not read the whole trail on every command.
	AuditScanWindow = 10000
)

// AuditEvent is one entry of the audit trail.
type AuditEvent struct {
	// ID is the stream entry id, set by AppendAudit.
	ID        string
	Time      time.Time
	Event     string
	Actor     string
	Verb      string
	Target    string
	MachineID string
	Request   string
	ActionID  string
	Detail    string
}

// AuditFilter selects entries that match every non-empty field.
type AuditFilter struct {
	// MachineID is a device ID, matched exactly (case-insensitive).
	MachineID string
	// Target matches the target case-insensitively, or its short name
	// (web01 matches web01.contoso.com).
	Target string
	// User matches the actor.
	User string
	// ActionID matches the MDE action id or the request id.
	ActionID string
	Offset   int
	Limit    int
	// Window is how many of the newest entries the query reads at most; 0 is AuditScanWindow.
	Window int
}

// AuditResult is what a query found, and where it stopped reading.
type AuditResult struct {
	Events []AuditEvent
	// Stopped says the query reached its window before the oldest entry: older entries were
	// not searched. Scanned entries were read, back to StoppedAt.
	Stopped   bool
	Scanned   int
	StoppedAt time.Time
}

func (s *Store) auditKey() string { return s.key("audit", "stream") }

// AppendAudit adds e to the trail and returns its entry id.
func (s *Store) AppendAudit(ctx context.Context, e AuditEvent) (string, error) {
	if e.Event == "" {
		return "", errors.New("store: append audit: empty event")
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	var add *redis.StringCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		add = p.XAdd(ctx, &redis.XAddArgs{
			Stream: s.auditKey(), MaxLen: AuditCap, Approx: true,
			Values: []any{"t", ms(e.Time), "event", e.Event, "actor", e.Actor, "verb", e.Verb,
				"target", e.Target, "machine", e.MachineID, "request", e.Request, "action", e.ActionID,
				"detail", e.Detail},
		})
		p.PExpire(ctx, s.auditKey(), AuditRetention)
		return nil
	})
	if err != nil {
		return "", wrap("append audit", err)
	}
	return add.Val(), nil
}

// Audit returns the entries f selects, newest first (see AuditScan).
func (s *Store) Audit(ctx context.Context, f AuditFilter) ([]AuditEvent, error) {
	r, err := s.AuditScan(ctx, f)
	return r.Events, err
}

// AuditScan returns the entries f selects, newest first, skipping f.Offset
// matches and returning at most f.Limit (all when Limit is 0). It reads the
// stream from its end in batches, and at most f.Window entries, and says
// whether it stopped before the oldest one.
func (s *Store) AuditScan(ctx context.Context, f AuditFilter) (AuditResult, error) {
	window := f.Window
	if window <= 0 {
		window = AuditScanWindow
	}
	var r AuditResult
	skipped := 0
	end := "+"
	for {
		n := min(auditBatch, window-r.Scanned)
		batch, err := s.rdb.XRevRangeN(ctx, s.auditKey(), end, "-", int64(n)).Result()
		if err != nil {
			return AuditResult{}, wrap("audit", err)
		}
		for _, m := range batch {
			e := auditEvent(m)
			r.Scanned++
			r.StoppedAt = e.Time
			if !f.matches(e) {
				continue
			}
			if skipped < f.Offset {
				skipped++
				continue
			}
			r.Events = append(r.Events, e)
			if f.Limit > 0 && len(r.Events) == f.Limit {
				return r, nil
			}
		}
		if len(batch) < n {
			return r, nil
		}
		end = "(" + batch[len(batch)-1].ID
		if r.Scanned >= window {
			// Stopped only if something older remains.
			more, err := s.rdb.XRevRangeN(ctx, s.auditKey(), end, "-", 1).Result()
			if err != nil {
				return AuditResult{}, wrap("audit", err)
			}
			r.Stopped = len(more) > 0
			return r, nil
		}
	}
}

func (f AuditFilter) matches(e AuditEvent) bool {
	switch {
	case f.MachineID != "" && !strings.EqualFold(f.MachineID, e.MachineID):
		return false
	case f.User != "" && f.User != e.Actor:
		return false
	case f.ActionID != "" && !strings.EqualFold(f.ActionID, e.ActionID) && !strings.EqualFold(f.ActionID, e.Request):
		return false
	case f.Target != "" && !sameTarget(f.Target, e.Target):
		return false
	}
	return true
}

// sameTarget matches a target by its full name or its short name.
func sameTarget(want, got string) bool {
	if strings.EqualFold(want, got) {
		return true
	}
	short, _, found := strings.Cut(got, ".")
	return found && !strings.Contains(want, ".") && strings.EqualFold(want, short)
}

func auditEvent(m redis.XMessage) AuditEvent {
	str := func(k string) string { v, _ := m.Values[k].(string); return v }
	t, _ := strconv.ParseInt(str("t"), 10, 64)
	return AuditEvent{
		ID: m.ID, Time: time.UnixMilli(t).UTC(), Event: str("event"), Actor: str("actor"), Verb: str("verb"),
		Target: str("target"), MachineID: str("machine"), Request: str("request"), ActionID: str("action"),
		Detail: str("detail"),
	}
}
