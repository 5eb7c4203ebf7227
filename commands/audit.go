package commands

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mdebot/mdebot/defender"
)

// maxAuditTarget bounds a device name or indicator value searched in the audit trail.
const maxAuditTarget = 255

// noAuditTrail is the answer while the bot has no audit trail (response actions not enabled).
const noAuditTrail = "There is no audit trail yet: response actions and approvals are not enabled on this bot, so nothing has been recorded."

func auditVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "audit",
		Usage:   "[machine|@user|action|request]",
		Summary: "Show the audit trail: who requested, approved or denied what, what ran and what Defender said.",
		Details: []string{
			"Filter by a device (its ID or name), a person (@alice), an action ID, a request ID (req-…), or an indicator value.",
			"Example: `audit @alice`",
		},
		// The trail names people, devices and reasons: responders and approvers only.
		Role: Responder,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		_, pos, err := options(c)
		if err != nil {
			return Response{}, err
		}
		if len(pos) > 1 {
			return Response{}, badArg(v, "Give at most one filter: a device, a @person or an action ID.")
		}
		offset, err := pageOffset(c)
		if err != nil {
			return Response{}, err
		}
		q := AuditQuery{Offset: offset, Limit: pageSize + 1}
		filter := "everything"
		if len(pos) == 1 {
			if filter, err = auditFilter(c, pos[0], &q); err != nil {
				return Response{}, err
			}
		}
		if d.Audit == nil {
			return Response{Text: noAuditTrail}, nil
		}
		page, err := d.Audit.Audit(ctx, q)
		if err != nil {
			return Response{}, fmt.Errorf("audit: reading the trail: %w", err)
		}
		view := AuditView{Filter: filter}
		view.Entries, view.More = cutPage(c, page.Entries, offset, pageSize)
		text := pageText("Audit trail, "+filter, offset, len(view.Entries), view.More, "entry", "entries")
		if page.Stopped && view.More == nil {
			view.Stopped = fmt.Sprintf("Searched the newest %d entries, back to %s, and stopped there: older entries were not searched. The Redis stream, the log and the audit channel keep them.",
				page.Scanned, stamp(page.StoppedAt))
			text += " " + view.Stopped
		}
		return Response{Text: text, View: view}, nil
	}
	return v
}

// auditFilter reads the audit filter argument into q and describes it.
func auditFilter(c *Call, t Token, q *AuditQuery) (string, error) {
	s := strings.TrimSpace(t.Text)
	switch {
	case t.Kind == KindUserMention:
		q.User = t.ID
		return "by " + t.Text, nil
	case t.Kind == KindGroupMention || t.Kind == KindChannelMention:
		return "", badArg(c.Verb, "Audit entries are by person: mention one user (@alice), not a channel or a user group.")
	case defender.IsMachineID(s):
		q.MachineID = strings.ToLower(s)
		return "device " + q.MachineID, nil
	case isGUID(s):
		q.ActionID = strings.ToLower(s)
		return "action " + q.ActionID, nil
	case IsRequestID(strings.ToLower(s)):
		q.ActionID = strings.ToLower(s)
		return "request " + q.ActionID, nil
	case s == "":
		return "", badArg(c.Verb, "The filter is empty.")
	}
	if err := checkMachineArg(c, s); err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(s); n > maxAuditTarget {
		return "", badArg(c.Verb, "A device name or indicator has at most %d characters; this has %d.", maxAuditTarget, n)
	}
	q.Target = s
	return "target " + s, nil
}
