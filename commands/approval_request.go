package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// maxRequestReason bounds a request's reason, in characters.
const maxRequestReason = 1000

// open records a new request by c's user for r (on device m, nil for none) and says what
// happens next: a card to approve, or, when the policy needs no approval, the run itself (for
// device actions the card still shows the action until it ends, and a cancel of an action
// mdebot made gets a card too, so that bot redraws that action's card once it ran).
func (a *Approvals) open(ctx context.Context, c *Call, r ActionRequest, m *defender.Machine) (Response, error) {
	need, rule := a.policy.need(r.policyVerb(), m)
	if rule != "" || r.Rule == "" {
		r.Rule = rule
	}
	r.Channel = c.ChannelID
	ap := Approval{Request: r, Requester: c.UserID}
	if need == NeverFromChat {
		a.record(ctx, ap, "refused", c.UserID, "", "never from chat "+rule)
		why := "the approval policy allows it only in the Defender portal"
		if rule != "" {
			why = "the device is " + rule
		}
		return Response{}, Errorf(NotAllowed, "`%s` on %s cannot be requested from chat: %s. Use the Defender portal.", r.Verb, ap.Target(), why)
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return Response{}, fmt.Errorf("encode request: %w", err)
	}
	now := a.now()
	ap.Created, ap.Expires, ap.Required, ap.State = now, now.Add(a.policy.TTL), int(need), ApprovalPending
	if need == 0 {
		ap.State = ApprovalApproved
	}
	for range 3 {
		ap.ID = newRequestID()
		err = a.st.CreateApproval(ctx, store.NewApproval{ID: ap.ID, State: store.ApprovalState(ap.State), Requester: ap.Requester,
			Required: ap.Required, Created: ap.Created, Expires: ap.Expires, Payload: payload, Timed: r.ContainFor > 0})
		if !errors.Is(err, store.ErrExists) {
			break
		}
	}
	if err != nil {
		if store.IsUnavailable(err) {
			return Response{}, &UserError{Kind: Unavailable, Err: err,
				Msg: "mdebot cannot reach its state store (Redis) right now, so the request was not recorded and nothing was done. Try again in a minute."}
		}
		return Response{}, fmt.Errorf("record request: %w", err)
	}
	a.record(ctx, ap, "requested", c.UserID, "", r.Reason)
	if need > 0 || isDeviceVerb(r.Verb) || r.CancelOf != "" || r.TimedOf != "" {
		view := a.View(ap)
		return Response{Text: requestedText(ap), Approval: &view}, nil
	}
	return a.runNow(ctx, ap), nil
}

// runNow runs a request that needs no approval and has no card, and answers with its result.
func (a *Approvals) runNow(ctx context.Context, ap Approval) Response {
	o := a.Execute(ctx, ap.ID)
	switch {
	case o.Approval.State == ApprovalDone:
		return Response{Text: upperFirst(o.Approval.Result) + ". (request " + ap.ID + ")"}
	case o.Approval.State == ApprovalFailed:
		return Response{Text: "It did not work: " + o.Approval.Result + " (request " + ap.ID + ")"}
	}
	return Response{Text: "Request " + ap.ID + " was recorded, but its result is not known yet; `audit " + ap.ID + "` shows it."}
}

// requestedText is the requester's answer to a new request with a card.
func requestedText(ap Approval) string {
	what := describe(ap.Request)
	if ap.State == ApprovalApproved {
		return fmt.Sprintf("Request %s: %s needs no approval and is being sent to Defender.", ap.ID, what)
	}
	who := "an approver other than you"
	if ap.Required > 1 {
		who = fmt.Sprintf("%d approvers other than you", ap.Required)
	}
	return fmt.Sprintf("Request %s: %s is waiting for %s, until %s.", ap.ID, what, who, stamp(ap.Expires))
}

// describe writes a request in words: "isolate laptop-alice.contoso.com (Full)".
func describe(r ActionRequest) string {
	ap := Approval{Request: r}
	s := r.Verb + " " + ap.Target()
	if r.Verb == "quarantine" {
		s = "quarantine " + r.SHA1 + " on " + r.MachineName
	}
	if r.Option != "" {
		s += " (" + r.Option + ")"
	}
	return s + describeMore(r)
}

// requestArgs splits a request's arguments into the known options (key=value) and the rest:
// unlike options, an unknown key:value word is text (reasons say "note: ..."), not an error.
func requestArgs(c *Call, known ...string) (map[string]string, []Token, error) {
	opts := map[string]string{}
	var pos []Token
	for _, t := range c.Args {
		if t.Kind == KindBroadcast {
			return nil, nil, badArg(c.Verb, "Mentions such as @here or @channel cannot be used in a request.")
		}
		key, val, ok := splitOption(t, c.Text)
		if !ok || !containsFold(known, key) {
			pos = append(pos, t)
			continue
		}
		if _, dup := opts[key]; dup {
			return nil, nil, badArg(c.Verb, "The option `%s` is given twice.", key)
		}
		if val == "" {
			return nil, nil, badArg(c.Verb, "The option `%s` needs a value, as in `%s=...`.", key, key)
		}
		opts[key] = val
	}
	return opts, pos, nil
}

func containsFold(xs []string, s string) bool {
	for _, x := range xs {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// reasonOf joins the words of a reason; required reasons may not be empty.
func reasonOf(c *Call, toks []Token, required bool) (string, error) {
	words := make([]string, 0, len(toks))
	for _, t := range toks {
		words = append(words, t.Text)
	}
	reason := strings.TrimSpace(strings.Join(words, " "))
	switch {
	case reason == "" && required:
		return "", badArg(c.Verb, "Say why: every request needs a reason, which the approvers and Defender's action log see.")
	case utf8.RuneCountInString(reason) > maxRequestReason:
		return "", badArg(c.Verb, "The reason is too long: at most %d characters.", maxRequestReason)
	}
	return reason, nil
}

// preview is the device card stored with a request, lightened: the alerts and actions it lists
// keep only what the card shows.
func preview(ctx context.Context, d Deps, m defender.Machine) *MachineView {
	v := machineCard(ctx, d, m)
	const maxAlerts, maxActions = 100, 10
	alerts := make([]defender.Alert, 0, min(len(v.OpenAlerts), maxAlerts))
	for _, al := range v.OpenAlerts[:min(len(v.OpenAlerts), maxAlerts)] {
		alerts = append(alerts, defender.Alert{ID: al.ID, Title: al.Title, Severity: al.Severity, Status: al.Status, LastUpdateTime: al.LastUpdateTime})
	}
	v.OpenAlerts = alerts
	acts := make([]defender.MachineAction, 0, min(len(v.Pending), maxActions))
	for _, act := range v.Pending[:min(len(v.Pending), maxActions)] {
		acts = append(acts, defender.MachineAction{ID: act.ID, Type: act.Type, Status: act.Status,
			CreationDateTimeUTC: act.CreationDateTimeUTC, Requestor: act.Requestor})
	}
	v.Pending, v.LogonUsers, v.Contained = acts, nil, nil
	return &v
}
