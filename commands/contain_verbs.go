package commands

import (
	"context"
	"errors"
	"strings"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// containVerbs are the verbs of containments with an end and of device tags.
func containVerbs(d Deps) []*Verb {
	return []*Verb{extendVerb(d), tagVerb(d, "tag"), tagVerb(d, "untag")}
}

func extendVerb(d Deps) *Verb {
	v := &Verb{Name: "extend", Usage: "<request id> [duration] <reason...>", Role: Responder, Approval: true,
		Summary: "Ask to move the end of a time-boxed isolation or restriction (4h by default).",
		Details: []string{
			"<request id> is the request of `isolate|restrict <machine> for <duration>`; `actions` lists those still to be released.",
			"It needs the approvals the policy sets for the containment's own verb (isolate or restrict), and moves the end once when it runs; the end stays within 7 days from now.",
			"Example: `extend req-k3j2m4qa 4h forensics still running`",
		}}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		_, pos, err := requestArgs(c)
		if err != nil {
			return Response{}, err
		}
		ap, err := timedArg(ctx, d, v, pos)
		if err != nil {
			return Response{}, err
		}
		add, rest := DefaultExtension, pos[1:]
		if len(rest) > 0 {
			if dur, ok := parseSpan(rest[0].Text, MinContain, MaxContain); ok {
				add, rest = dur, rest[1:]
			}
		}
		r := ActionRequest{Verb: "extend", TimedOf: ap.ID, Extend: add, PolicyVerb: ap.Request.Verb,
			MachineID: ap.Request.MachineID, MachineName: ap.Request.MachineName}
		if r.Reason, err = reasonOf(c, rest, true); err != nil {
			return Response{}, err
		}
		if ap.Contain.Until.Add(add).After(callNow(c, d).Add(MaxContain)) {
			return Response{}, badArg(v, "That would end it after %s: a containment ends within 7 days from now.", stamp(callNow(c, d).Add(MaxContain)))
		}
		return d.Approvals.openOn(ctx, c, d, r)
	}
	return v
}

// timedArg reads the request id of a containment whose release is still only scheduled.
func timedArg(ctx context.Context, d Deps, v *Verb, pos []Token) (Approval, error) {
	if len(pos) == 0 || !IsRequestID(strings.ToLower(strings.TrimSpace(pos[0].Text))) {
		return Approval{}, badArg(v, "Give the request id of the time-boxed containment, such as req-k3j2m4qa (`actions` lists them).")
	}
	id := strings.ToLower(strings.TrimSpace(pos[0].Text))
	ap, err := d.Approvals.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Approval{}, Errorf(NotFound, "There is no request %s (requests are kept 7 days after they end).", id)
	}
	if err != nil {
		return Approval{}, err
	}
	switch {
	case ap.Request.containFor() == 0:
		return Approval{}, Errorf(BadArgument, "Request %s is not a time-boxed isolation or restriction.", id)
	case ap.Contain.State == "":
		return Approval{}, Errorf(BadArgument, "Request %s has not run yet (it is %s), so it has no end to change yet.", id, ap.State)
	case ap.Contain.State != store.ReleaseScheduled:
		return Approval{}, Errorf(BadArgument, "The release of request %s is no longer scheduled (it is %s).", id, ap.Contain.State)
	}
	return ap, nil
}

// cancelTimed asks to cancel the release at the end of a containment: the device then stays
// contained until someone releases it, so it needs the approvals of that release (release for
// an isolation, unrestrict for a restriction).
func cancelTimed(ctx context.Context, d Deps, c *Call, v *Verb, pos []Token) (Response, error) {
	ap, err := timedArg(ctx, d, v, pos)
	if err != nil {
		return Response{}, err
	}
	r := ActionRequest{Verb: "cancel", TimedOf: ap.ID, PolicyVerb: UndoVerb(ap.Request.Verb),
		MachineID: ap.Request.MachineID, MachineName: ap.Request.MachineName, Option: "timed " + UndoVerb(ap.Request.Verb)}
	if r.Reason, err = reasonOf(c, pos[1:], true); err != nil {
		return Response{}, err
	}
	return d.Approvals.openOn(ctx, c, d, r)
}

// openOn opens a request about r's device, read again so that the protected-device rules see its
// groups and tags as they are now.
func (a *Approvals) openOn(ctx context.Context, c *Call, d Deps, r ActionRequest) (Response, error) {
	m, err := d.MDE.GetMachine(ctx, r.MachineID)
	if err != nil {
		return Response{}, notFoundAs(err, "The device %s is not in Defender any more, so its protection rules cannot be checked.", r.MachineName)
	}
	return a.open(ctx, c, r, &m)
}

func tagVerb(d Deps, name string) *Verb {
	add := name == "tag"
	v := &Verb{Name: name, Usage: "<machine> <tag> <reason...>", Role: Responder}
	if add {
		v.Summary = "Add a tag to a device (alert routes and protected-device rules read tags). Needs no approval by default."
		v.Details = []string{"It follows the approval policy of `tag` and the protected-device rules.", "Example: `tag laptop-alice.contoso.com contained beaconing`"}
	} else {
		v.Summary = "Remove a tag from a device. Follows the approval policy of `tag`."
		v.Details = []string{"Removing a tag that protects a device needs what the protected-device rule asks for.", "Example: `untag laptop-alice.contoso.com contained all clear`"}
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		_, pos, err := requestArgs(c)
		if err != nil {
			return Response{}, err
		}
		if len(pos) < 2 {
			return Response{}, badArg(v, "Name the device, then the tag.")
		}
		if err := checkMachineArg(c, pos[0].Text); err != nil {
			return Response{}, err
		}
		tag := strings.TrimSpace(pos[1].Text)
		if err := defender.ValidateTag(tag); err != nil {
			return Response{}, badArg(v, "`%s` is not a device tag: %s.", Plain(tag, 60), strings.TrimPrefix(err.Error(), "not a valid device tag: "))
		}
		r := ActionRequest{Verb: name, Tag: tag, PolicyVerb: "tag"}
		if r.Reason, err = reasonOf(c, pos[2:], true); err != nil {
			return Response{}, err
		}
		m, choice, err := resolveMachine(ctx, d.MDE, c, pos[0])
		if err != nil || choice != nil {
			return deref(choice), err
		}
		switch has := m.HasTag(tag); {
		case add && has:
			return Response{}, Errorf(BadArgument, "%s already has the tag `%s`; nothing to do.", m.ComputerDNSName, Plain(tag, 60))
		case !add && !has:
			return Response{}, Errorf(BadArgument, "%s has no tag `%s`; nothing to do.", m.ComputerDNSName, Plain(tag, 60))
		}
		r.MachineID, r.MachineName = m.ID, m.ComputerDNSName
		if r.MachineName == "" {
			r.MachineName = m.ID
		}
		return d.Approvals.open(ctx, c, r, &m)
	}
	return v
}

// runContainment runs the requests of this file: extensions, cancels of a timed release, tags.
func (a *Approvals) runContainment(ctx context.Context, ap Approval, _ string) (store.Execution, bool) {
	r := ap.Request
	done := func(result string) store.Execution {
		return store.Execution{State: store.ApprovalDone, ActionStatus: string(defender.ActionSucceeded), Result: result}
	}
	notDone := func(result string) store.Execution {
		return store.Execution{State: store.ApprovalFailed, Result: result}
	}
	now := a.now()
	switch {
	case r.Verb == "extend":
		tr, err := a.st.ExtendContainment(ctx, r.TimedOf, ap.ID, r.Extend, now, MaxContain)
		switch {
		case err != nil:
			return notDone("the end could not be moved: " + ErrorMessage(err, ap.ID)), true
		case tr.Outcome == store.OutcomeChanged || tr.Outcome == store.OutcomeAgain:
			return done("the containment of request " + r.TimedOf + " now ends at " + stamp(tr.Approval.Contain.Until)), true
		case tr.Outcome == store.OutcomeLimit:
			return notDone("that would end it more than 7 days from now; nothing changed"), true
		}
		return notDone("the release of request " + r.TimedOf + " is no longer scheduled (" + string(tr.Approval.Contain.State) + "); nothing changed"), true
	case r.Verb == "cancel" && r.TimedOf != "":
		why := Truncate(r.Reason, 250) + " (request " + ap.ID + ")"
		tr, err := a.st.StopRelease(ctx, r.TimedOf, store.ReleaseCancelled, ap.Requester, why, now)
		switch {
		case err != nil:
			return notDone("the timed release could not be cancelled: " + ErrorMessage(err, ap.ID)), true
		case tr.Outcome == store.OutcomeChanged:
			return done("the release at the end of request " + r.TimedOf + " is cancelled; the device stays contained until someone releases it"), true
		}
		return notDone("the release of request " + r.TimedOf + " is no longer scheduled (" + string(tr.Approval.Contain.State) + "); nothing changed"), true
	case r.Verb == "tag" || r.Verb == "untag":
		action, word := defender.TagAdd, "added to"
		if r.Verb == "untag" {
			action, word = defender.TagRemove, "removed from"
		}
		m, err := a.mde.TagMachine(ctx, r.MachineID, r.Tag, action)
		if err != nil {
			return failed(err, ap.ID), true
		}
		if err := a.st.MarkRetagged(context.WithoutCancel(ctx), r.MachineID, now); err != nil {
			a.log.Warn("tag change not shared with the alert routing cache; it sees it within its TTL", "machine", r.MachineID, "err", err)
		}
		return done("tag " + r.Tag + " " + word + " " + r.MachineName + " (tags now: " + plainList(m.MachineTags) + ")"), true
	}
	return store.Execution{}, false
}

// releasedEarly ends the scheduled release of the containment an early release (Release now,
// or a typed release of the same device) ended, once that release ran.
func (a *Approvals) releasedEarly(ctx context.Context, ap Approval) {
	of := ap.Request.ReleaseOf
	if of == "" || ap.State != ApprovalDone {
		return
	}
	tr, err := a.st.StopRelease(context.WithoutCancel(ctx), of, store.ReleaseSuperseded, ap.Requester, "released early by request "+ap.ID, a.now())
	if err != nil {
		a.log.Error("early release not recorded on the timed one; it finds the device released at its end", "request", of, "err", err)
		return
	}
	if tr.Outcome == store.OutcomeChanged {
		if of, err := fromStore(tr.Approval); err == nil {
			a.record(ctx, of, "released early", ap.Requester, ap.ActionID, "by request "+ap.ID)
		}
	}
}
