package commands

import (
	"context"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mdebot/mdebot/defender"
)

func ipVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "ip",
		Usage:   "<addr>",
		Summary: "Enrich an IP address: how many devices reached it, related alerts, and the devices that had it in the last 15 minutes.",
		Details: []string{
			"<addr> is one IPv4 or IPv6 address; ranges (CIDR) are not supported by Defender.",
			"Example: `ip 198.51.100.23`",
		},
		Role: Viewer,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		arg, err := oneArg(c, "Give exactly one IP address.")
		if err != nil {
			return Response{}, err
		}
		ip, err := defender.ParseIP(arg)
		if err != nil {
			return Response{}, badArg(v, "%s", ErrorMessage(err, c.Ref))
		}
		addr := ip.String()
		view := EntityView{Kind: "ip", Name: addr, PortalURL: d.PortalURL}
		p := entityParts{statWhat: "The address's prevalence", machWhat: "The devices that had this address"}
		p.read(func() (defender.EntityStats, error) { return d.MDE.IPStatistics(ctx, addr, defender.MaxLookBack) },
			func() ([]defender.Alert, error) { return d.MDE.IPAlerts(ctx, addr) },
			func() ([]defender.Machine, error) { return d.MDE.MachinesByIP(ctx, ip, callNow(c, d)) })
		return entityResponse(&view, "IP address "+addr, p)
	}
	return v
}

func domainVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "domain",
		Usage:   "<name>",
		Summary: "Enrich a domain: how many devices reached it, related alerts and devices.",
		Details: []string{
			"<name> is a domain such as evil.example.com; give an international name in its xn-- form.",
			"Example: `domain malicious-cdn.example.net`",
		},
		Role: Viewer,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		arg, err := oneArg(c, "Give exactly one domain.")
		if err != nil {
			return Response{}, err
		}
		if strings.Contains(arg, "://") {
			return Response{}, badArg(v, "Give the domain alone, such as evil.example.com, not a URL.")
		}
		if err := defender.ValidateDomain(arg); err != nil {
			return Response{}, badArg(v, "%s", ErrorMessage(err, c.Ref))
		}
		name := strings.ToLower(strings.TrimSuffix(arg, "."))
		view := EntityView{Kind: "domain", Name: name, PortalURL: d.PortalURL}
		p := entityParts{statWhat: "The domain's prevalence", machWhat: "The devices that reached the domain"}
		p.read(func() (defender.EntityStats, error) { return d.MDE.DomainStatistics(ctx, name, defender.MaxLookBack) },
			func() ([]defender.Alert, error) { return d.MDE.DomainAlerts(ctx, name) },
			func() ([]defender.Machine, error) { return d.MDE.DomainMachines(ctx, name) })
		return entityResponse(&view, "Domain "+name, p)
	}
	return v
}

func userVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "user",
		Usage:   "<name>",
		Summary: "Enrich a user account: related alerts and the devices it logged on to.",
		Details: []string{
			"<name> is the account name (alice). Defender does not look users up by UPN (alice@contoso.com); a DOMAIN\\ prefix is dropped.",
			"Example: `user alice`",
		},
		Role: Viewer,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		arg, err := oneToken(c, "Give exactly one account name.", "Give exactly one account name.")
		if err != nil {
			return Response{}, err
		}
		if arg.Kind == KindUserMention || arg.Kind == KindGroupMention || arg.Kind == KindChannelMention {
			return Response{}, badArg(v, "Give the Windows or Entra account name (alice), not a Slack mention.")
		}
		name, note, err := accountName(c, strings.TrimSpace(arg.Text))
		if err != nil {
			return Response{}, err
		}
		view := EntityView{Kind: "user", Name: name, PortalURL: d.PortalURL}
		if note != "" {
			view.Notes = append(view.Notes, note)
		}
		p := entityParts{machWhat: "The devices the user logged on to"}
		p.read(nil, func() ([]defender.Alert, error) { return d.MDE.UserAlerts(ctx, name) },
			func() ([]defender.Machine, error) { return d.MDE.UserMachines(ctx, name) })
		return entityResponse(&view, "User "+name, p)
	}
	return v
}

// accountName checks a user argument and returns the account name MDE looks up, with a note
// when a DOMAIN\ prefix was dropped.
func accountName(c *Call, s string) (name, note string, err error) {
	if strings.Contains(s, "@") {
		ve := &defender.ValidationError{Kind: "user name", Reason: "MDE looks users up by account name (alice), not by UPN (alice@contoso.com)"}
		msg := ErrorMessage(ve, c.Ref)
		if local, _, _ := strings.Cut(s, "@"); checkAccountName(local) == "" {
			msg += " Try `user " + local + "`."
		}
		return "", "", badArg(c.Verb, "%s", msg)
	}
	if domain, rest, ok := strings.Cut(s, `\`); ok {
		if domain == "" || rest == "" || strings.Contains(rest, `\`) {
			return "", "", badArg(c.Verb, "Give the account name as alice or DOMAIN\\alice.")
		}
		note = "Defender looks users up by account name only, so " + s + " was looked up as " + rest + "."
		s = rest
	}
	if why := checkAccountName(s); why != "" {
		return "", "", badArg(c.Verb, "`%s` is not an account name: %s.", Plain(s, 60), why)
	}
	return s, note, nil
}

// checkAccountName says what is wrong with an account name, or returns "". Names may use any
// script (people's names do), but not the characters Windows forbids in account names.
func checkAccountName(s string) string {
	if s == "" {
		return "it is empty"
	}
	if n := utf8.RuneCountInString(s); n > 104 {
		return "it is longer than 104 characters"
	}
	for _, r := range s {
		if unicode.IsSpace(r) || strings.ContainsRune(`"/\[]:;|=,+*?<>@`, r) {
			return "account names cannot contain spaces or any of \" / \\ [ ] : ; | = , + * ? < > @"
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && !strings.ContainsRune(".-_$'#!%&()^{}~`", r) {
			return "it has a character that is not a letter, a digit or punctuation allowed in account names"
		}
	}
	return ""
}

// oneArg returns the single positional argument of a verb that takes no options.
func oneArg(c *Call, msg string) (string, error) {
	t, err := oneToken(c, msg, msg)
	return strings.TrimSpace(t.Text), err
}

// oneToken returns the single positional argument of a verb that takes no options; missing and
// many are the messages for none and for more than one.
func oneToken(c *Call, missing, many string) (Token, error) {
	_, pos, err := options(c)
	switch {
	case err != nil:
		return Token{}, err
	case len(pos) == 0:
		return Token{}, badArg(c.Verb, "%s", missing)
	case len(pos) > 1:
		return Token{}, badArg(c.Verb, "%s", many)
	}
	return pos[0], nil
}

// entityParts are the results of an enrichment's concurrent reads. stats is nil when the entity
// has no statistics (users).
type entityParts struct {
	stats    *defender.EntityStats
	statErr  error
	statWhat string
	alerts   []defender.Alert
	alertErr error
	machines []defender.Machine
	machErr  error
	machWhat string
}

// read runs an enrichment's reads at once and keeps what they return; stats is nil for an
// entity without statistics.
func (p *entityParts) read(stats func() (defender.EntityStats, error), alerts func() ([]defender.Alert, error), machines func() ([]defender.Machine, error)) {
	var wg sync.WaitGroup
	if stats != nil {
		wg.Go(func() { s, err := stats(); p.stats, p.statErr = &s, err })
	}
	wg.Go(func() { p.alerts, p.alertErr = alerts() })
	wg.Go(func() { p.machines, p.machErr = machines() })
	wg.Wait()
}

// entityResponse completes an IP, domain or user enrichment: failed parts become notes, and the
// call fails only when nothing could be read.
func entityResponse(view *EntityView, text string, p entityParts) (Response, error) {
	tried := []error{p.alertErr, p.machErr}
	if p.stats != nil {
		tried = append(tried, p.statErr)
		if p.statErr == nil {
			view.Stats = p.stats
		} else {
			view.Notes = append(view.Notes, partNote(p.statWhat, p.statErr))
		}
	}
	if p.alertErr != nil {
		view.Notes = append(view.Notes, partNote("The related alerts", p.alertErr))
	}
	if p.machErr != nil {
		view.Notes = append(view.Notes, partNote(p.machWhat, p.machErr))
	}
	if err := allFailed(tried...); err != nil {
		return Response{}, err
	}
	view.Alerts, view.Machines = entityLists(view, p.alerts, p.machines)
	return Response{Text: text + ": " + plural(len(p.alerts), "alert", "alerts") + ", " + plural(len(p.machines), "device", "devices") + ".", View: *view}, nil
}
