package commands

import (
	"context"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
)

// maxIndicatorExpiry is the longest expires= a block takes.
const maxIndicatorExpiry = 365 * 24 * time.Hour

func blockVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "block",
		Usage:   "<hash|ip|domain|url> [expires=<24h|7d|90d>] <reason...>",
		Summary: "Ask to block a file hash, an IP address, a domain or a URL with a custom indicator.",
		Details: []string{
			"The indicator's type is worked out from the value; `expires=` makes it lapse (at most 365d).",
			"Example: `block malicious-cdn.example.net expires=30d payload host of incident 101`",
		},
		Role: Responder, Approval: true,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		opts, pos, err := requestArgs(c, "expires")
		if err != nil {
			return Response{}, err
		}
		if len(pos) == 0 {
			return Response{}, badArg(v, "Give the hash, IP address, domain or URL to block.")
		}
		typ, val, err := defender.IndicatorFor(pos[0].Text)
		if err != nil {
			return Response{}, badArg(v, "%s", ErrorMessage(err, c.Ref))
		}
		r := ActionRequest{Verb: "block", Indicator: val, IndicatorType: typ, Option: typeName(typ)}
		if s, ok := opts["expires"]; ok {
			dur, err := parseSince(c, s, maxIndicatorExpiry)
			if err != nil {
				return Response{}, badArg(v, "`expires` is a duration such as 24h, 7d or 90d, at most 365d.")
			}
			r.IndicatorExpires = d.Approvals.now().Add(dur).UTC().Truncate(time.Second)
		}
		if r.Reason, err = reasonOf(c, pos[1:], true); err != nil {
			return Response{}, err
		}
		existing, err := d.MDE.ListIndicators(ctx, defender.ListOptions{Filter: defender.Eq("indicatorValue", val), Limit: 10})
		if err != nil {
			return Response{}, err
		}
		for i := range existing {
			if existing[i].IndicatorType == typ {
				r.Existing = &existing[i]
				break
			}
		}
		return d.Approvals.open(ctx, c, r, nil)
	}
	return v
}

func unblockVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "unblock",
		Usage:   "<indicator value|indicator id> <reason...>",
		Summary: "Ask to remove a custom indicator, named by its value or its id.",
		Details: []string{
			"`indicators value=<value>` shows the indicator and its id.",
			"Example: `unblock malicious-cdn.example.net false positive, CDN of a partner`",
		},
		Role: Responder, Approval: true,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		_, pos, err := requestArgs(c)
		if err != nil {
			return Response{}, err
		}
		if len(pos) == 0 {
			return Response{}, badArg(v, "Give the indicator's value or id.")
		}
		r := ActionRequest{Verb: "unblock"}
		if r.Reason, err = reasonOf(c, pos[1:], true); err != nil {
			return Response{}, err
		}
		ind, choice, err := findIndicator(ctx, d, c, pos[0])
		if err != nil || choice != nil {
			return deref(choice), err
		}
		r.Indicator, r.IndicatorType, r.IndicatorID, r.Existing = ind.IndicatorValue, ind.IndicatorType, string(ind.ID), &ind
		r.Option = typeName(ind.IndicatorType)
		return d.Approvals.open(ctx, c, r, nil)
	}
	return v
}

// findIndicator finds the active indicator an unblock names: by id (digits) or by value. Several
// indicators for one value (of different types) give a choice.
func findIndicator(ctx context.Context, d Deps, c *Call, arg Token) (defender.Indicator, *Response, error) {
	s := strings.TrimSpace(arg.Text)
	if s != "" && strings.Trim(s, "0123456789") == "" {
		all, err := d.MDE.ListIndicators(ctx, defender.ListOptions{Limit: scanCap})
		if err != nil {
			return defender.Indicator{}, nil, err
		}
		for _, ind := range all {
			if string(ind.ID) == s {
				return ind, nil, nil
			}
		}
		return defender.Indicator{}, nil, Errorf(NotFound, "No active custom indicator has the id %s.", s)
	}
	_, val, err := defender.IndicatorFor(s)
	if err != nil {
		return defender.Indicator{}, nil, badArg(c.Verb, "%s", ErrorMessage(err, c.Ref))
	}
	found, err := d.MDE.ListIndicators(ctx, defender.ListOptions{Filter: defender.Eq("indicatorValue", val), Limit: 20})
	if err != nil {
		return defender.Indicator{}, nil, err
	}
	switch len(found) {
	case 0:
		return defender.Indicator{}, nil, Errorf(NotFound, "No active custom indicator matches %s.", Plain(val, 100))
	case 1:
		return found[0], nil, nil
	}
	view := ChoiceView{Prompt: "Several indicators match " + Plain(val, 100) + ". Which one?"}
	for _, ind := range found {
		cmd := c.Text[:arg.Start] + string(ind.ID) + c.Text[arg.End:]
		view.Choices = append(view.Choices, Choice{Label: "Indicator " + string(ind.ID),
			Detail: string(ind.IndicatorType) + " · " + string(ind.Action) + " · " + ind.Title, Command: cmd})
	}
	return defender.Indicator{}, &Response{Text: view.Prompt, View: view}, nil
}

func cancelVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "cancel",
		Usage:   "<action id>|<request id> <reason...>",
		Summary: "Ask to cancel a machine action that has not finished.",
		Details: []string{
			"<action id> is the GUID `actions` lists; the card of an action mdebot started also has a Cancel button, which asks the same.",
			"It needs the approvals the policy sets for cancel, raised by the protected-device rules of the action's device.",
			"With the request id of a time-boxed isolation or restriction, it cancels the release at its end (the device stays contained); that needs the approvals of release (or unrestrict).",
			"Example: `cancel 7c1e5a5e-3f43-4d2b-9b1a-5b0f3a1e9d01 wrong device`",
		},
		Role: Responder, Approval: true,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		_, pos, err := requestArgs(c)
		if err != nil {
			return Response{}, err
		}
		if len(pos) > 0 && IsRequestID(strings.ToLower(strings.TrimSpace(pos[0].Text))) {
			return cancelTimed(ctx, d, c, v, pos)
		}
		if len(pos) == 0 || !isGUID(strings.TrimSpace(pos[0].Text)) {
			return Response{}, badArg(v, "Give the action's ID, a GUID such as 7c1e5a5e-3f43-4d2b-9b1a-5b0f3a1e9d01.")
		}
		r := ActionRequest{Verb: "cancel"}
		if r.Reason, err = reasonOf(c, pos[1:], true); err != nil {
			return Response{}, err
		}
		act, err := d.MDE.GetMachineAction(ctx, strings.ToLower(strings.TrimSpace(pos[0].Text)))
		if err != nil {
			return Response{}, notFoundAs(err, "No machine action has the ID %s.", pos[0].Text)
		}
		if act.Status.Final() {
			return Response{}, Errorf(BadArgument, "Action %s is already %s; it can no longer be cancelled.", act.ID, act.Status)
		}
		// The device decides which protected-device rules apply; it must be readable, or they
		// could not be checked.
		m, err := d.MDE.GetMachine(ctx, act.MachineID)
		if err != nil {
			return Response{}, notFoundAs(err, "The device of action %s is not in Defender, so its protection rules cannot be checked.", act.ID)
		}
		r.Action = &defender.MachineAction{ID: act.ID, Type: act.Type, Status: act.Status, MachineID: act.MachineID,
			ComputerDNSName: act.ComputerDNSName, CreationDateTimeUTC: act.CreationDateTimeUTC, Requestor: act.Requestor}
		r.MachineID, r.MachineName, r.Option = act.MachineID, act.ComputerDNSName, string(act.Type)
		r.CancelOf = d.Approvals.requestOf(ctx, act)
		return d.Approvals.open(ctx, c, r, &m)
	}
	return v
}
