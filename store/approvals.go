package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ApprovalState is where an approval request is in its life:
// pending -> approved -> executing -> done|failed, pending -> denied,
// pending -> expired. Denied, expired, done and failed never change again
// (the MDE action of a done request is followed in ActionStatus).
type ApprovalState string

// Approval states.
const (
	ApprovalPending   ApprovalState = "pending"
	ApprovalApproved  ApprovalState = "approved"
	ApprovalExecuting ApprovalState = "executing"
	ApprovalDone      ApprovalState = "done"
	ApprovalFailed    ApprovalState = "failed"
	ApprovalDenied    ApprovalState = "denied"
	ApprovalExpired   ApprovalState = "expired"
)

// Final reports whether the request can no longer change state.
func (s ApprovalState) Final() bool {
	switch s {
	case ApprovalDone, ApprovalFailed, ApprovalDenied, ApprovalExpired:
		return true
	}
	return false
}

// ApprovalRetention is how long a request is kept after it was decided (and
// after each later change, such as its MDE action's progress), for its card
// and the audit. A pending request is kept until its expiry plus this.
const ApprovalRetention = 7 * 24 * time.Hour

// ErrExists reports that an approval with the same id already exists.
var ErrExists = errors.New("store: approval id already taken")

// Vote is one approval given to a request.
type Vote struct {
	User string
	At   time.Time
}

// Approval is one request for a response action as Redis holds it. Payload
// is the caller's description of the request (verb, target, reason ...): it
// is written once by CreateApproval and never changed.
type Approval struct {
	ID        string
	State     ApprovalState
	Requester string
	Required  int
	Created   time.Time
	Expires   time.Time
	Payload   []byte
	// Votes are the approvals given so far, oldest first.
	Votes []Vote
	// DecidedBy is who denied the request; Reason is why (or why it expired).
	DecidedBy string
	Reason    string
	DecidedAt time.Time
	// Executor is the owner that claimed the execution, and ExecutedAt when.
	Executor   string
	ExecutedAt time.Time
	// Takeovers counts the times another replica took the execution over from a dead owner.
	Takeovers int
	// ActionID and ActionStatus are the MDE machine action (or the id of what
	// the execution created) and its last known status.
	ActionID       string
	ActionStatus   string
	AlreadyPending bool
	// Result says in words what the execution gave (an error, a note).
	Result     string
	FinishedAt time.Time
	// CardChannel and CardTS locate the approval card in Slack.
	CardChannel, CardTS string
	// CancelBy asked to cancel the MDE action, for CancelReason, at CancelAt.
	CancelBy, CancelReason string
	CancelAt               time.Time
	// PackagePosted is set once the investigation package link was posted.
	PackagePosted bool
	// Contain is the end of a containment with one, and its release.
	Contain Containment
}

// Voted reports whether user has approved the request.
func (a Approval) Voted(user string) bool {
	return slices.ContainsFunc(a.Votes, func(v Vote) bool { return v.User == user })
}

// NewApproval is a request to store. State is ApprovalPending, or
// ApprovalApproved for a request the policy lets run without approval.
type NewApproval struct {
	ID        string
	State     ApprovalState
	Requester string
	Required  int
	Created   time.Time
	Expires   time.Time
	Payload   []byte
	// Timed marks a containment with an end: the timed index gets the request before the
	// record exists, so that its release can never be lost (timed.go).
	Timed bool
}

// approvalKey is the record of one request; every script touches only it.
func (s *Store) approvalKey(id string) string { return s.key("approval", hashTag(id)) }

// CreateApproval stores a new request. It fails with ErrExists when the id
// is taken. The request stays open for Expires minus Created by the server's
// clock (its Expires is what the card shows); the record is kept
// ApprovalRetention after that.
func (s *Store) CreateApproval(ctx context.Context, a NewApproval) error {
	switch {
	case a.ID == "" || a.Requester == "":
		return errors.New("store: create approval: empty id or requester")
	case a.State != ApprovalPending && a.State != ApprovalApproved:
		return fmt.Errorf("store: create approval: cannot start in state %q", a.State)
	case !a.Expires.After(a.Created):
		return errors.New("store: create approval: expires before it is created")
	}
	ttl := a.Expires.Sub(a.Created) + ApprovalRetention
	args := []any{ttl.Milliseconds(), a.Expires.Sub(a.Created).Milliseconds(), s.clock(a.Created),
		"state", string(a.State), "requester", a.Requester, "required", a.Required,
		"created", ms(a.Created), "expires", ms(a.Expires), "payload", a.Payload, "nvotes", 0}
	if a.State == ApprovalApproved {
		args = append(args, "decided_at", ms(a.Created))
	}
	// The index is written first: an index entry without a record is skipped
	// and dropped by the sweeper, a record missing from the index would never
	// expire on its card.
	idx := s.pendingIndex()
	score := float64(ms(a.Expires))
	if a.State == ApprovalApproved {
		idx, score = s.activeIndex(), float64(ms(a.Created))
	}
	if err := s.indexAdd(ctx, idx, a.ID, score); err != nil {
		return err
	}
	if a.Timed {
		if err := s.indexAdd(ctx, s.timedIndex(), a.ID, float64(ms(a.Expires))); err != nil {
			return err
		}
	}
	code, err := s.approvalScripts.create.Run(ctx, s.rdb, []string{s.approvalKey(a.ID)}, args...).Int()
	if err != nil {
		return wrap("create approval", err)
	}
	if code == 0 {
		return fmt.Errorf("store: create approval: %w", ErrExists)
	}
	return nil
}

// Approval returns the request with the given id, or ErrNotFound.
func (s *Store) Approval(ctx context.Context, id string) (Approval, error) {
	if id == "" {
		return Approval{}, fmt.Errorf("store: approval: %w", ErrNotFound)
	}
	m, err := s.rdb.HGetAll(ctx, s.approvalKey(id)).Result()
	if err != nil {
		return Approval{}, wrap("approval", err)
	}
	if len(m) == 0 {
		return Approval{}, fmt.Errorf("store: approval: %w", ErrNotFound)
	}
	return parseApproval(id, m), nil
}

// SetApprovalCard records where the request's card was posted.
func (s *Store) SetApprovalCard(ctx context.Context, id, channel, ts string) error {
	code, err := s.approvalScripts.card.Run(ctx, s.rdb, []string{s.approvalKey(id)}, channel, ts).Int()
	switch {
	case err != nil:
		return wrap("set approval card", err)
	case code == 0:
		return fmt.Errorf("store: set approval card: %w", ErrNotFound)
	}
	return nil
}

// parseApproval reads the fields of an approval hash.
func parseApproval(id string, m map[string]string) Approval {
	a := Approval{
		ID:             id,
		State:          ApprovalState(m["state"]),
		Requester:      m["requester"],
		Required:       atoi(m["required"]),
		Created:        fromMS(m["created"]),
		Expires:        fromMS(m["expires"]),
		Payload:        []byte(m["payload"]),
		DecidedBy:      m["decided_by"],
		Reason:         m["reason"],
		DecidedAt:      fromMS(m["decided_at"]),
		Executor:       m["executor"],
		ExecutedAt:     fromMS(m["executed_at"]),
		Takeovers:      atoi(m["takeovers"]),
		ActionID:       m["action_id"],
		ActionStatus:   m["action_status"],
		AlreadyPending: m["already_pending"] == "1",
		Result:         m["result"],
		FinishedAt:     fromMS(m["finished_at"]),
		CardChannel:    m["card_channel"],
		CardTS:         m["card_ts"],
		CancelBy:       m["cancel_by"],
		CancelReason:   m["cancel_reason"],
		CancelAt:       fromMS(m["cancel_at"]),
		PackagePosted:  m["package_posted"] != "",
		Contain:        parseContainment(m),
	}
	for k, v := range m {
		if user, ok := strings.CutPrefix(k, "vote:"); ok {
			a.Votes = append(a.Votes, Vote{User: user, At: fromMS(v)})
		}
	}
	slices.SortFunc(a.Votes, func(x, y Vote) int {
		if c := x.At.Compare(y.At); c != 0 {
			return c
		}
		return strings.Compare(x.User, y.User)
	})
	return a
}

// parseScriptReply reads the {code, {field, value, ...}} reply of a
// transition script.
func parseScriptReply(id string, v any) (string, Approval, error) {
	parts, ok := v.([]any)
	if !ok || len(parts) != 2 {
		return "", Approval{}, fmt.Errorf("store: unexpected script reply %T", v)
	}
	code, _ := parts[0].(string)
	flat, _ := parts[1].([]any)
	if len(flat) == 0 {
		return code, Approval{}, nil
	}
	m := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		k, _ := flat[i].(string)
		val, _ := flat[i+1].(string)
		m[k] = val
	}
	return code, parseApproval(id, m), nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// runTransition runs one transition script on the record of id and parses
// its reply. A missing record is ErrNotFound.
func (s *Store) runTransition(ctx context.Context, op string, sc *redis.Script, id string, args ...any) (string, Approval, error) {
	if id == "" {
		return "", Approval{}, fmt.Errorf("store: %s: %w", op, ErrNotFound)
	}
	v, err := sc.Run(ctx, s.rdb, []string{s.approvalKey(id)}, args...).Result()
	if err != nil {
		return "", Approval{}, wrap(op, err)
	}
	code, a, err := parseScriptReply(id, v)
	if err != nil {
		return "", Approval{}, err
	}
	if code == "missing" {
		return code, a, fmt.Errorf("store: %s: %w", op, ErrNotFound)
	}
	return code, a, nil
}
