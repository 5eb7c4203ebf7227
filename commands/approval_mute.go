package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// A mute hides alerts from the channel, so a long one, or one of a device or an alert title that
// has High alerts open, follows the approval policy like an action (`mute=<n>` in
// MDEBOT_APPROVAL_POLICY, else MDEBOT_APPROVALS_REQUIRED). A mute of at most shortMute of
// anything without open High alerts is set at once.

// shortMute is the longest mute that needs no approval.
const shortMute = 24 * time.Hour

// highAlertWindow is how far back the High alerts of a title are looked for.
const highAlertWindow = 30 * 24 * time.Hour

// MuteRequest is a mute waiting for approval: what the mute verb resolved, and for how long
// from the moment it is set.
type MuteRequest struct {
	Kind     string        `json:"kind"`
	Value    string        `json:"value"`
	Label    string        `json:"label,omitempty"`
	Duration time.Duration `json:"duration"`
}

// mutePolicyReason says why mute m for dur follows the approval policy, or "" when it is set at
// once: longer than 24 h, or a device or title with open High alerts (looked up in MDE).
func mutePolicyReason(ctx context.Context, d Deps, m store.Mute, dur time.Duration, now time.Time) (string, error) {
	if dur > shortMute {
		return "mute longer than 24 h", nil
	}
	var alerts []defender.Alert
	var err error
	switch m.Kind {
	case store.MuteMachine:
		alerts, err = d.MDE.MachineAlerts(ctx, m.Value)
	case store.MuteTitle:
		f := defender.And(defender.Eq("severity", defender.SeverityHigh), defender.Ge("lastUpdateTime", now.Add(-highAlertWindow)))
		alerts, err = d.MDE.ListAlerts(ctx, defender.AlertListOptions{ListOptions: defender.ListOptions{Filter: f, Limit: scanCap + 1}})
		if err == nil && len(alerts) > scanCap {
			return "mute of a title while more High alerts are open than mdebot checks", nil
		}
	default:
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("mute: looking for High alerts: %w", err)
	}
	for _, a := range alerts {
		if a.Severity == defender.SeverityHigh && a.Status != defender.StatusResolved &&
			(m.Kind == store.MuteMachine || NormalizeTitle(a.Title) == m.Value) {
			return fmt.Sprintf("mute of a %s with open High alerts (%s)", m.Kind, a.ID), nil
		}
	}
	return "", nil
}

// requestMute opens a request for mute m (its ID unset) for dur; why is the card's policy line.
func (a *Approvals) requestMute(ctx context.Context, c *Call, m store.Mute, dur time.Duration, why string) (Response, error) {
	r := ActionRequest{Verb: "mute", Option: m.Kind + " for " + humanDuration(dur), Reason: m.Reason, Rule: why,
		Mute: &MuteRequest{Kind: m.Kind, Value: m.Value, Label: m.Label, Duration: dur}}
	return a.open(ctx, c, r, nil)
}

// runMute sets an approved mute, from now for the duration asked. Its id comes from the
// request's, so that running it again sets the same mute.
func (a *Approvals) runMute(ctx context.Context, ap Approval) store.Execution {
	mr := ap.Request.Mute
	now := a.now()
	m := store.Mute{ID: "m" + strings.TrimPrefix(ap.ID, "req-"), Kind: mr.Kind, Value: mr.Value, Label: mr.Label,
		Reason: ap.Request.Reason, Creator: ap.Requester, Created: now, Until: now.Add(mr.Duration)}
	if _, err := a.st.AddMute(ctx, m, now); err != nil {
		a.log.Error("approved mute not stored", "request", ap.ID, "err", err)
		return store.Execution{State: store.ApprovalFailed, Result: "the mute could not be stored; nothing is muted (request " + ap.ID + ")"}
	}
	return store.Execution{State: store.ApprovalDone, ActionID: m.ID, ActionStatus: string(defender.ActionSucceeded),
		Result: fmt.Sprintf("mute %s set on %s %s until %s; `unmute %s` lifts it", m.ID, m.Kind, muteLabel(m),
			m.Until.UTC().Format("2006-01-02 15:04 UTC"), m.ID)}
}
