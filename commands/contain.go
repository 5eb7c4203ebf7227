package commands

import (
	"context"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// Containment with an end: `isolate|restrict <machine> ... for <duration> <reason>` asks for the
// containment and its undo at the end under one approval. When the request runs, its record in
// Redis schedules the release (store/timed.go); every replica's sweeper looks at the due ones
// (ContainmentsDue), and exactly one claims each release, with a lease that another replica takes
// over if the first stops. Before sending, the claimer looks at Defender: a release already done
// or pending (by hand, or by a replica that stopped after sending it) is recorded, never sent
// again.

// Bounds and timing of containments with an end.
const (
	// MinContain and MaxContain bound the duration of a containment with an end, and how far
	// ahead of now an extension may move its end.
	MinContain = 15 * time.Minute
	MaxContain = 7 * 24 * time.Hour
	// DefaultExtension is what the reminder's Extend button adds.
	DefaultExtension = 4 * time.Hour
	// RemindBefore is when the reminder is posted in the card's thread.
	RemindBefore = 15 * time.Minute
	// releaseLease keeps other replicas off a claimed release: well past execTimeout, so the
	// holder has given up before another takes over.
	releaseLease = 5 * time.Minute
	// runningLook is when a containment whose request is approved or running is looked at again:
	// by then it has run, or another replica has taken it over (approval_takeover.go).
	runningLook = time.Minute
	// releaseRetry is the wait before a release that did not work is tried again, and
	// maxReleaseAttempts how many refusals by Defender make it fail for good.
	releaseRetry       = time.Minute
	maxReleaseAttempts = 5
	// releasePoll is how often the release's Defender action is looked at.
	releasePoll = 30 * time.Second
)

// Containment is the end of a containment with one, and its release.
type Containment struct {
	// Until is when it ends (zero until the request ran).
	Until time.Time
	// State is "" (no end, or not run yet), or a store.ReleaseState.
	State store.ReleaseState
	// ActionID and ActionStatus are the Defender action of the release, Result what it gave.
	ActionID, ActionStatus, Result string
	// At is when the release was decided (sent, skipped, cancelled ...).
	At time.Time
	// By and Reason say who cancelled the release, or which request released the device early.
	By, Reason    string
	Extensions    int
	RemindedUntil time.Time
	Attempts      int
	Lease         time.Time
}

func containmentOf(c store.Containment) Containment {
	return Containment{Until: c.Until, State: c.State, ActionID: c.ActionID, ActionStatus: c.ActionStatus,
		Result: c.Result, At: c.At, By: c.By, Reason: c.Reason, Extensions: c.Extensions,
		RemindedUntil: c.RemindedUntil, Attempts: c.Attempts, Lease: c.Lease}
}

// Timed reports whether the request's release at its end is still to happen.
func (a Approval) Timed() bool { return a.Contain.State.Pending() }

// Owner names this replica in the claims it makes (executions, releases).
func (a *Approvals) Owner() string { return a.owner }

// UndoVerb is the verb that ends a containment verb's effect: release for isolate, unrestrict
// for restrict ("" for other verbs). The reminder's Release now button asks for it.
func UndoVerb(verb string) string {
	switch verb {
	case "isolate":
		return "release"
	case "restrict":
		return "unrestrict"
	}
	return ""
}

// containVerbOf is the containment an undo verb ends.
func containVerbOf(undo string) string {
	switch undo {
	case "release":
		return "isolate"
	case "unrestrict":
		return "restrict"
	}
	return ""
}

// containFor is how long the request's containment lasts, for the execution to schedule its end.
func (r ActionRequest) containFor() time.Duration {
	if UndoVerb(r.Verb) == "" {
		return 0
	}
	return r.ContainFor
}

// policyVerb is the verb whose approval policy the request follows.
func (r ActionRequest) policyVerb() string {
	if r.PolicyVerb != "" {
		return r.PolicyVerb
	}
	return policyVerbOf(r.Verb)
}

// policyVerbOf maps a verb to the policy entry it follows when it has none of its own: untag
// follows tag. (extend and a cancel of a timed release name theirs in the request.)
func policyVerbOf(verb string) string {
	if verb == "untag" {
		return "tag"
	}
	if verb == "extend" {
		return "isolate"
	}
	return verb
}

// describeMore adds to describe what the new request kinds carry.
func describeMore(r ActionRequest) string {
	switch {
	case r.ContainFor > 0:
		return " for " + humanDuration(r.ContainFor)
	case r.Verb == "extend":
		return " by " + humanDuration(r.Extend) + " (request " + r.TimedOf + ")"
	case r.Verb == "cancel" && r.TimedOf != "":
		return ": the timed release of request " + r.TimedOf
	case r.Tag != "":
		return ": tag " + r.Tag
	}
	return ""
}

// parseContain reads "for <duration>" after the device of isolate and restrict; it returns the
// duration (0 when the words are not there) and the rest.
func parseContain(c *Call, v *Verb, rest []Token) (time.Duration, []Token, error) {
	if len(rest) == 0 || !strings.EqualFold(rest[0].Text, "for") || (v.Name != "isolate" && v.Name != "restrict") {
		return 0, rest, nil
	}
	if len(rest) < 2 {
		return 0, nil, badArg(v, "Say for how long after `for`: 15m to 7d, such as `for 4h`.")
	}
	d, ok := parseSpan(rest[1].Text, MinContain, MaxContain)
	if !ok {
		return 0, nil, badArg(v, "`%s` is not a duration from 15m to 7d (such as 30m, 4h or 2d).", Plain(rest[1].Text, 40))
	}
	return d, rest[2:], nil
}

// parseSpan reads 30m, 4h, 1h30m or 2d between lo and hi.
func parseSpan(s string, lo, hi time.Duration) (time.Duration, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err = time.ParseDuration(n + "h")
		d *= 24
	} else {
		d, err = time.ParseDuration(s)
	}
	return d, err == nil && d >= lo && d <= hi
}

// TimedReleases returns the containments whose release at their end is still to happen, on the
// device machineID ("" for all), soonest end first.
func (a *Approvals) TimedReleases(ctx context.Context, machineID string) ([]Approval, error) {
	ids, err := a.st.TimedRequests(ctx, 500)
	if err != nil {
		return nil, err
	}
	var out []Approval
	for _, id := range ids {
		ap, err := a.Get(ctx, id)
		if err != nil || !ap.Timed() || (machineID != "" && !strings.EqualFold(ap.Request.MachineID, machineID)) {
			continue
		}
		out = append(out, ap)
	}
	sortByEnd(out)
	return out, nil
}

func sortByEnd(aps []Approval) {
	for i := 1; i < len(aps); i++ {
		for j := i; j > 0 && aps[j].Contain.Until.Before(aps[j-1].Contain.Until); j-- {
			aps[j], aps[j-1] = aps[j-1], aps[j]
		}
	}
}

// scheduledRelease is the containment of kind verb on a device whose release is still only
// scheduled, for an early release to end; "" when there is none.
func (a *Approvals) scheduledRelease(ctx context.Context, machineID, verb string) string {
	aps, err := a.TimedReleases(ctx, machineID)
	if err != nil {
		return ""
	}
	for _, ap := range aps {
		if ap.Request.Verb == verb && ap.Contain.State == store.ReleaseScheduled {
			return ap.ID
		}
	}
	return ""
}

// undoAction is the Defender action type that undoes verb's containment.
func undoAction(verb string) defender.ActionType { return actionTypeOf(UndoVerb(verb)) }
