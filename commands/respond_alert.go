package commands

import (
	"context"
	"errors"
	"net/mail"
	"strings"

	"github.com/mdebot/mdebot/defender"
)

// determinations are the determinations MDE accepts with each classification (§5.1 of the
// Defender reference).
func determinations(c defender.Classification) []string {
	switch c {
	case defender.TruePositive:
		return []string{"MultiStagedAttack", "MaliciousUserActivity", "CompromisedUser", "Malware", "Phishing", "UnwantedSoftware", "Other"}
	case defender.InformationalExpectedActivity:
		return []string{"SecurityTesting", "LineOfBusinessApplication", "ConfirmedUserActivity", "Other"}
	case defender.FalsePositive:
		return []string{"Clean", "InsufficientData", "Other"}
	}
	return nil
}

// classificationOf reads a classification, by its name or a short form (tp, fp, benign).
func classificationOf(s string) (defender.Classification, bool) {
	switch strings.ToLower(s) {
	case "truepositive", "tp", "true-positive":
		return defender.TruePositive, true
	case "falsepositive", "fp", "false-positive":
		return defender.FalsePositive, true
	case "informationalexpectedactivity", "informational", "expected", "benign":
		return defender.InformationalExpectedActivity, true
	}
	return "", false
}

// withAlertUpdates extends the alert verb with the updates responders may make: assign, resolve
// and comment. Without approvals wired it is the alert verb unchanged.
func withAlertUpdates(d Deps, base *Verb) *Verb {
	if d.Approvals == nil {
		return base
	}
	v := *base
	v.Usage = "<id> [assign [me|<upn>] | resolve <classification> [determination] [comment...] | comment <text...>]"
	v.Summary = "Show one alert, or update it: assign it, resolve it with a classification, or comment on it."
	v.Details = append(append([]string{}, base.Details...),
		"Updates need the responder role. Classifications: TruePositive (tp), InformationalExpectedActivity (benign), FalsePositive (fp).",
		"Example: `alert da637472900382838869_1364969609 resolve fp Clean test machine`")
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		if len(c.Args) < 2 {
			return base.Run(ctx, c)
		}
		sub := strings.ToLower(c.Args[1].Text)
		if sub != "assign" && sub != "resolve" && sub != "comment" {
			return base.Run(ctx, c)
		}
		if !c.Roles.Has(Responder) {
			return Response{}, Errorf(NotAllowed, "Updating an alert needs the responder role. Ask the bot's administrator if you should have it.")
		}
		// The update needs Alert.ReadWrite.All, a permission of its own ("alert updates" in
		// defender.Features): without it the request is refused here, not by MDE's 403 after
		// an approval.
		if err := permissionOff(ctx, d.Permissions, "alert "+sub); err != nil {
			return Response{}, err
		}
		return alertUpdate(ctx, d, c, &v, sub)
	}
	return &v
}

func alertUpdate(ctx context.Context, d Deps, c *Call, v *Verb, sub string) (Response, error) {
	if _, _, err := requestArgs(c); err != nil {
		return Response{}, err
	}
	id := strings.TrimSpace(c.Args[0].Text)
	if !alertIDPattern.MatchString(id) {
		return Response{}, badArg(v, "`%s` is not an alert ID.", Plain(id, 60))
	}
	rest := c.Args[2:]
	var u defender.AlertUpdate
	var option string
	var err error
	switch sub {
	case "assign":
		if u.AssignedTo, rest, err = assignee(ctx, d, c, rest); err != nil {
			return Response{}, err
		}
		option = "assign to " + u.AssignedTo
	case "resolve":
		if len(rest) == 0 {
			return Response{}, badArg(v, "Give the classification: TruePositive (tp), InformationalExpectedActivity (benign) or FalsePositive (fp).")
		}
		cl, ok := classificationOf(rest[0].Text)
		if !ok {
			return Response{}, badArg(v, "`%s` is not a classification: use TruePositive (tp), InformationalExpectedActivity (benign) or FalsePositive (fp).", Plain(rest[0].Text, 40))
		}
		u.Status, u.Classification, rest = defender.StatusResolved, cl, rest[1:]
		if len(rest) > 0 {
			if det, err := oneOfFold(c, "determination", rest[0].Text, determinations(cl)...); err == nil {
				u.Determination, rest = det, rest[1:]
			}
		}
		option = "resolve as " + string(cl)
		if u.Determination != "" {
			option += ", " + u.Determination
		}
	case "comment":
		option = "comment"
	}
	if u.Comment, err = reasonOf(c, rest, sub == "comment"); err != nil {
		return Response{}, err
	}
	al, err := d.MDE.GetAlert(ctx, id, false)
	if err != nil {
		return Response{}, notFoundAs(err, "No alert has the ID %s (it may be outside the retention period).", id)
	}
	r := ActionRequest{Verb: "alert", Option: option, Update: &u, Reason: u.Comment,
		MachineID: al.MachineID, MachineName: al.ComputerDNSName,
		Alert: &defender.Alert{ID: al.ID, Title: al.Title, Severity: al.Severity, Status: al.Status,
			AssignedTo: al.AssignedTo, Classification: al.Classification, MachineID: al.MachineID, ComputerDNSName: al.ComputerDNSName}}
	if r.Reason == "" {
		r.Reason = option
	}
	return d.Approvals.open(ctx, c, r, nil)
}

// assignee reads "me" (the caller's e-mail address from Slack), an address, or nothing ("me").
func assignee(ctx context.Context, d Deps, c *Call, rest []Token) (string, []Token, error) {
	if len(rest) > 0 && !strings.EqualFold(rest[0].Text, "me") {
		addr := strings.TrimSpace(rest[0].Text)
		if _, err := mail.ParseAddress(addr); err != nil || strings.ContainsAny(addr, " <>") || len(addr) > 256 {
			return "", nil, badArg(c.Verb, "Assign to `me` or to an address such as alice@contoso.com.")
		}
		return addr, rest[1:], nil
	}
	if len(rest) > 0 {
		rest = rest[1:]
	}
	if d.Approvals.users == nil {
		return "", nil, badArg(c.Verb, "mdebot cannot look up your address; give it: `alert <id> assign alice@contoso.com`.")
	}
	addr, err := d.Approvals.users.Email(ctx, c.UserID)
	if err != nil || addr == "" {
		return "", nil, badArg(c.Verb, "Your e-mail address could not be read from Slack; give it: `alert <id> assign alice@contoso.com`.")
	}
	return addr, rest, nil
}

// notFoundAs turns MDE's 404 into a user error with the message; other errors pass.
func notFoundAs(err error, format, arg string) error {
	if errors.Is(err, defender.ErrNotFound) {
		return Errorf(NotFound, format, Plain(arg, 80))
	}
	return err
}

// responseVerbs are the verbs that change things, registered when approvals are wired.
func responseVerbs(d Deps) []*Verb {
	if d.Approvals == nil {
		return nil
	}
	vs := append(deviceVerbsOf(d), blockVerb(d), unblockVerb(d), cancelVerb(d))
	vs = append(vs, containVerbs(d)...)
	for _, v := range vs {
		n, _ := d.Approvals.policy.need(policyVerbOf(v.Name), nil)
		v.Approval = n != 0
	}
	return vs
}
