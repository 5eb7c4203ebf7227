package commands

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// ApprovalState is where a request is: pending -> approved -> executing -> done|failed,
// pending -> denied, pending -> expired.
type ApprovalState string

// Approval states (the store's).
const (
	ApprovalPending   ApprovalState = ApprovalState(store.ApprovalPending)
	ApprovalApproved  ApprovalState = ApprovalState(store.ApprovalApproved)
	ApprovalExecuting ApprovalState = ApprovalState(store.ApprovalExecuting)
	ApprovalDone      ApprovalState = ApprovalState(store.ApprovalDone)
	ApprovalFailed    ApprovalState = ApprovalState(store.ApprovalFailed)
	ApprovalDenied    ApprovalState = ApprovalState(store.ApprovalDenied)
	ApprovalExpired   ApprovalState = ApprovalState(store.ApprovalExpired)
)

// ActionRequest is what a request asks for. It is stored with the request when it is made and
// never changes; the card shows it.
type ActionRequest struct {
	Verb string `json:"verb"`
	// Option is the variant: Full or Selective isolation, Quick or Full scan.
	Option      string `json:"option,omitempty"`
	MachineID   string `json:"machine_id,omitempty"`
	MachineName string `json:"machine_name,omitempty"`
	SHA1        string `json:"sha1,omitempty"`
	// Indicator is the value to block or unblock, of IndicatorType; IndicatorID is the indicator
	// to remove (unblock); Existing is the indicator MDE has for the value (the one block
	// updates, the one unblock removes).
	Indicator        string                 `json:"indicator,omitempty"`
	IndicatorType    defender.IndicatorType `json:"indicator_type,omitempty"`
	IndicatorID      string                 `json:"indicator_id,omitempty"`
	IndicatorExpires time.Time              `json:"indicator_expires,omitzero"`
	Existing         *defender.Indicator    `json:"existing,omitempty"`
	// Action is the machine action to cancel, and CancelOf the mdebot request that made it (empty
	// when mdebot did not): its card shows the cancel once it ran.
	Action   *defender.MachineAction `json:"action,omitempty"`
	CancelOf string                  `json:"cancel_of,omitempty"`
	// Mute is the mute to set (verb mute).
	Mute *MuteRequest `json:"mute,omitempty"`
	// Alert is the alert to update, and Update the change.
	Alert  *defender.Alert       `json:"alert,omitempty"`
	Update *defender.AlertUpdate `json:"update,omitempty"`
	Reason string                `json:"reason"`
	// Rule says why the request needs the approvals it needs (a protected-device rule), or is empty.
	Rule string `json:"rule,omitempty"`
	// Channel is where the request was typed.
	Channel string `json:"channel,omitempty"`
	// Preview is the device as it was when the request was made: the blast radius.
	Preview *MachineView `json:"preview,omitempty"`
	// ContainFor is how long an isolation or restriction lasts (0: until someone ends it); the
	// release at its end runs under the same approval (contain.go).
	ContainFor time.Duration `json:"contain_for,omitempty"`
	// TimedOf is the containment with an end that an extension (by Extend), or a cancel of its
	// release, is about; ReleaseOf the one an early release ends.
	TimedOf   string        `json:"timed_of,omitempty"`
	Extend    time.Duration `json:"extend,omitempty"`
	ReleaseOf string        `json:"release_of,omitempty"`
	// Tag is the device tag that tag adds and untag removes.
	Tag string `json:"tag,omitempty"`
	// PolicyVerb is the verb whose approval policy the request follows, when not its own.
	PolicyVerb string `json:"policy_verb,omitempty"`
}

// Approval is a request and where it stands.
type Approval struct {
	ID        string
	State     ApprovalState
	Request   ActionRequest
	Requester string
	Required  int
	Votes     []ApprovalVote
	Created   time.Time
	Expires   time.Time
	// DecidedBy denied it, for Reason (also the reason it expired or failed to run).
	DecidedBy string
	Reason    string
	DecidedAt time.Time
	// ActionID is the MDE machine action (or indicator) the execution made, ActionStatus its
	// last known status, AlreadyPending set when MDE already had the same action pending.
	ActionID       string
	ActionStatus   string
	AlreadyPending bool
	// Result says what the execution gave, in words.
	Result     string
	ExecutedAt time.Time
	FinishedAt time.Time
	// CancelBy asked to cancel the MDE action, for CancelReason.
	CancelBy     string
	CancelReason string
	CancelAt     time.Time
	// CardChannel and CardTS locate the approval card.
	CardChannel, CardTS string
	// PackagePosted is set once a collection's package link was posted.
	PackagePosted bool
	// Contain is the end of a containment with one, and its release.
	Contain Containment
}

// ApprovalVote is one approval given.
type ApprovalVote struct {
	User string
	At   time.Time
}

// Voters are the people who approved, in order.
func (a Approval) Voters() []string {
	out := make([]string, len(a.Votes))
	for i, v := range a.Votes {
		out[i] = v.User
	}
	return out
}

// Target is what the request acts on, in words: a device name, an indicator, an alert or a
// machine action.
func (a Approval) Target() string {
	r := a.Request
	switch {
	case r.Verb == "alert" && r.Alert != nil:
		return r.Alert.ID
	case r.Verb == "mute" && r.Mute != nil:
		return muteLabel(store.Mute{Value: r.Mute.Value, Label: r.Mute.Label})
	case r.Indicator != "":
		return r.Indicator
	case r.MachineName != "":
		return r.MachineName
	case r.Action != nil:
		return r.Action.ID
	}
	return r.MachineID
}

// Followed reports whether the request's MDE machine action may still change.
func (a Approval) Followed() bool {
	return a.State == ApprovalDone && isDeviceVerb(a.Request.Verb) && a.ActionID != "" &&
		!defender.ActionStatus(a.ActionStatus).Final()
}

// Cancellable reports whether the card offers to cancel the MDE action.
func (a Approval) Cancellable() bool { return a.Followed() && a.CancelBy == "" }

// ApprovalView is an approval card: the request, its tally and decision, and the MDE action it
// made, with the device preview.
type ApprovalView struct {
	Approval  Approval
	PortalURL string
}

func (ApprovalView) isView() {}

func isDeviceVerb(verb string) bool { return slices.Contains(deviceVerbs(), verb) }

// requestIDPattern matches the ids newRequestID makes.
var requestIDPattern = regexp.MustCompile(`^req-[a-z2-7]{8}$`)

// IsRequestID reports whether s has the shape of a request id (req-k3j2m4qa).
func IsRequestID(s string) bool { return requestIDPattern.MatchString(s) }

// newRequestID returns a fresh request id: "req-" and 40 random bits.
func newRequestID() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return "req-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// fromStore turns a stored record into an Approval.
func fromStore(s store.Approval) (Approval, error) {
	a := Approval{
		ID: s.ID, State: ApprovalState(s.State), Requester: s.Requester, Required: s.Required,
		Created: s.Created, Expires: s.Expires, DecidedBy: s.DecidedBy, Reason: s.Reason, DecidedAt: s.DecidedAt,
		ActionID: s.ActionID, ActionStatus: s.ActionStatus, AlreadyPending: s.AlreadyPending, Result: s.Result,
		ExecutedAt: s.ExecutedAt, FinishedAt: s.FinishedAt, CancelBy: s.CancelBy, CancelReason: s.CancelReason,
		CancelAt: s.CancelAt, CardChannel: s.CardChannel, CardTS: s.CardTS, PackagePosted: s.PackagePosted,
		Contain: containmentOf(s.Contain),
	}
	for _, v := range s.Votes {
		a.Votes = append(a.Votes, ApprovalVote(v))
	}
	if err := json.Unmarshal(s.Payload, &a.Request); err != nil {
		return a, fmt.Errorf("approval %s: decode the request: %w", s.ID, err)
	}
	return a, nil
}
