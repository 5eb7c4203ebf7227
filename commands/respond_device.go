package commands

import (
	"context"
	"strings"

	"github.com/mdebot/mdebot/defender"
)

// deviceSpec describes one response verb on a device.
type deviceSpec struct {
	name, usage, summary string
	details              []string
	// typeValues are the values of its type= option, the first the default; none when empty.
	typeValues []string
	// optionalReason lets the reason be left out (scan).
	optionalReason bool
	// file takes a SHA-1 before the device (quarantine).
	file bool
}

func deviceSpecs() []deviceSpec {
	return []deviceSpec{
		{name: "isolate", usage: "<machine> [type=full|selective] [for <duration>] <reason...>",
			summary: "Ask to isolate a device from the network (full by default; selective keeps Outlook, Teams and Skype), for good or `for` a while.",
			details: []string{"Example: `isolate laptop-alice.contoso.com ransomware beaconing to 203.0.113.7`",
				"Time-boxed: `isolate laptop-alice.contoso.com for 4h beaconing`: the approval covers the release at the end (15m to 7d); a reminder with Extend 4h and Release now comes 15 minutes before."},
			typeValues: []string{"Full", "Selective"}},
		{name: "release", usage: "<machine> <reason...>", summary: "Ask to release a device from isolation.",
			details: []string{"Example: `release laptop-alice.contoso.com reimaged and clean`"}},
		{name: "restrict", usage: "<machine> [for <duration>] <reason...>", summary: "Ask to restrict app execution on a device to Microsoft-signed code, for good or `for` a while.",
			details: []string{"Example: `restrict web01.contoso.com webshell found`", "Time-boxed: `restrict web01.contoso.com for 2h webshell found` lifts it at the end under the same approval."}},
		{name: "unrestrict", usage: "<machine> <reason...>", summary: "Ask to lift the app execution restriction on a device.",
			details: []string{"Example: `unrestrict web01.contoso.com webshell removed`"}},
		{name: "scan", usage: "<machine> [type=quick|full] [reason...]",
			summary:    "Run a Microsoft Defender Antivirus scan on a device (quick by default). Needs no approval by default.",
			details:    []string{"Example: `scan laptop-bob.contoso.com type=full after phishing click`"},
			typeValues: []string{"Quick", "Full"}, optionalReason: true},
		{name: "collect", usage: "<machine> <reason...>",
			summary: "Ask to collect an investigation package from a device; its download link is posted when ready.",
			details: []string{"Example: `collect dc01.contoso.com suspected DCSync`"}},
		{name: "quarantine", usage: "<sha1> <machine> <reason...>", summary: "Ask to stop a file's processes and quarantine it on a device.",
			details: []string{"Example: `quarantine 3395856ce81f2b7382dee72602f798b642f14140 laptop-alice.contoso.com mimikatz`"}, file: true},
	}
}

// deviceVerbsOf builds the device response verbs.
func deviceVerbsOf(d Deps) []*Verb {
	var out []*Verb
	for _, spec := range deviceSpecs() {
		out = append(out, deviceVerb(d, spec))
	}
	return out
}

func deviceVerb(d Deps, spec deviceSpec) *Verb {
	v := &Verb{Name: spec.name, Usage: spec.usage, Summary: spec.summary, Role: Responder, Approval: true,
		Details: append([]string{
			"<machine> is a device ID, an exact computer name or an IP address; the request card shows the device to the approvers.",
		}, spec.details...)}
	if spec.optionalReason {
		v.Approval = false
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		known := []string{}
		if len(spec.typeValues) > 0 {
			known = append(known, "type")
		}
		opts, pos, err := requestArgs(c, known...)
		if err != nil {
			return Response{}, err
		}
		r := ActionRequest{Verb: spec.name}
		if len(spec.typeValues) > 0 {
			r.Option = spec.typeValues[0]
			if s, ok := opts["type"]; ok {
				if r.Option, err = oneOfFold(c, "type", s, spec.typeValues...); err != nil {
					return Response{}, err
				}
			}
		}
		if spec.file {
			if len(pos) == 0 {
				return Response{}, badArg(v, "Give the SHA-1 of the file, then the device.")
			}
			if err := defender.ValidateSHA1(strings.TrimSpace(pos[0].Text)); err != nil {
				return Response{}, badArg(v, "`%s` is not a SHA-1: quarantine takes the file's SHA-1 (40 hex characters).", Plain(pos[0].Text, 80))
			}
			r.SHA1, pos = strings.ToLower(strings.TrimSpace(pos[0].Text)), pos[1:]
		}
		if len(pos) == 0 {
			return Response{}, badArg(v, "Name the device.")
		}
		if err := checkMachineArg(c, pos[0].Text); err != nil {
			return Response{}, err
		}
		rest := pos[1:]
		if r.ContainFor, rest, err = parseContain(c, v, rest); err != nil {
			return Response{}, err
		}
		if r.Reason, err = reasonOf(c, rest, !spec.optionalReason); err != nil {
			return Response{}, err
		}
		if r.Reason == "" {
			r.Reason = "no reason given"
		}
		m, choice, err := resolveMachine(ctx, d.MDE, c, pos[0])
		if err != nil || choice != nil {
			return deref(choice), err
		}
		r.MachineID, r.MachineName = m.ID, m.ComputerDNSName
		if r.MachineName == "" {
			r.MachineName = m.ID
		}
		r.Preview = preview(ctx, d, m)
		if of := containVerbOf(spec.name); of != "" {
			r.ReleaseOf = d.Approvals.scheduledRelease(ctx, m.ID, of)
		}
		return d.Approvals.open(ctx, c, r, &m)
	}
	return v
}
