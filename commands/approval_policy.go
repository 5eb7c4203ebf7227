package commands

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
)

// Need is how many approvals a request needs before it runs: 0 runs it at once, NeverFromChat
// refuses it.
type Need int

// NeverFromChat means the request cannot be made from chat at all (use the Defender portal).
const NeverFromChat Need = -1

// String is "never", or the number.
func (n Need) String() string {
	if n < 0 {
		return "never"
	}
	return strconv.Itoa(int(n))
}

// MaxApprovals is the largest number of approvals a rule may ask for.
const MaxApprovals = 5

// ProtectedRule asks for more approvals (or forbids chat altogether) for actions on the devices
// of one MDE device group or with one machine tag.
type ProtectedRule struct {
	// Kind is "group" (MDE device group, rbacGroupName) or "tag" (a machine tag).
	Kind string
	// Name is the group or tag, matched without regard to case.
	Name string
	// Verbs are the verbs the rule covers; empty covers every device verb and cancel.
	Verbs []string
	Need  Need
}

// String writes the rule the way MDEBOT_PROTECTED takes it.
func (r ProtectedRule) String() string {
	s := r.Kind + ":" + r.Name
	if len(r.Verbs) > 0 {
		s += "@" + strings.Join(r.Verbs, "+")
	}
	return s + "=" + r.Need.String()
}

// describe says in words what the rule asks for, for cards and refusals.
func (r ProtectedRule) describe() string {
	what := "device group " + r.Name
	if r.Kind == "tag" {
		what = "machine tag " + r.Name
	}
	if r.Need == NeverFromChat {
		return "protected (" + what + "): never from chat"
	}
	return fmt.Sprintf("protected (%s): %s", what, plural(int(r.Need), "approval", "approvals"))
}

// ApprovalPolicy decides how many approvals a request needs: the verb's number (MDEBOT_APPROVAL_POLICY,
// else DESIGN.md's defaults: scan and alert updates none, the rest Required), raised by the
// strictest protected-device rule that matches the device (MDEBOT_PROTECTED); for a cancel, the
// device of the action it stops.
type ApprovalPolicy struct {
	// Required is MDEBOT_APPROVALS_REQUIRED, the number for verbs without one of their own.
	Required int
	// Verbs are the per-verb numbers of MDEBOT_APPROVAL_POLICY.
	Verbs map[string]Need
	// Protected are the rules of MDEBOT_PROTECTED.
	Protected []ProtectedRule
	// TTL is how long a request stays open (MDEBOT_APPROVAL_TTL).
	TTL time.Duration
}

// PolicyVerbs are the verbs MDEBOT_APPROVAL_POLICY may name ("alert" is the alert updates,
// "mute" the mutes longer than 24 h or of a device or title with open High alerts; shorter mutes
// are set at once).
func PolicyVerbs() []string {
	return []string{"isolate", "release", "restrict", "unrestrict", "scan", "collect", "quarantine",
		"block", "unblock", "cancel", "alert", "tag", "mute"}
}

// deviceVerbs are the verbs that make a machine action on one device.
func deviceVerbs() []string {
	return []string{"isolate", "release", "restrict", "unrestrict", "scan", "collect", "quarantine"}
}

// protectedVerbs are the verbs protected-device rules cover: the device verbs, cancel, which
// undoes one of them on the device of the action it stops, and tag (and untag, which follows
// tag's policy): a protection by tag must not be lifted by removing the tag from chat.
func protectedVerbs() []string { return append(deviceVerbs(), "cancel", "tag") }

// defaultNeed is DESIGN.md's default for verb: only a scan, an alert update and a device tag need
// no second person. Cancelling a Defender action needs the quorum like the action did: cancelling a pending
// isolation of an offline device lets it back on the network.
func defaultNeed(verb string, required int) Need {
	switch verb {
	case "scan", "alert", "tag":
		return 0
	}
	return Need(required)
}

// need returns what verb on device m (nil for verbs without a device) needs, and the protected
// rule that decided it ("" when the verb's own number did).
func (p ApprovalPolicy) need(verb string, m *defender.Machine) (Need, string) {
	n, ok := p.Verbs[verb]
	if !ok {
		n = defaultNeed(verb, max(p.Required, 1))
	}
	if m == nil || !slices.Contains(protectedVerbs(), verb) {
		return n, ""
	}
	why := ""
	for _, r := range p.Protected {
		if !r.matches(verb, m) || n == NeverFromChat {
			continue
		}
		if r.Need == NeverFromChat || r.Need > n {
			n, why = r.Need, r.describe()
		}
	}
	return n, why
}

func (r ProtectedRule) matches(verb string, m *defender.Machine) bool {
	if len(r.Verbs) > 0 && !slices.Contains(r.Verbs, verb) {
		return false
	}
	if r.Kind == "group" {
		return strings.EqualFold(r.Name, m.RBACGroupName)
	}
	return slices.ContainsFunc(m.MachineTags, func(t string) bool { return strings.EqualFold(t, r.Name) })
}

// ParseApprovalPolicy reads MDEBOT_APPROVAL_POLICY: comma-separated verb=n pairs, n from 0 to
// MaxApprovals or "never", e.g. "scan=1,block=2,collect=never". Errors name an entry by its
// position, never its text.
func ParseApprovalPolicy(s string) (map[string]Need, error) {
	out := map[string]Need{}
	for i, entry := range splitEntries(s) {
		verb, val, ok := strings.Cut(entry, "=")
		verb = strings.ToLower(strings.TrimSpace(verb))
		if !ok || !slices.Contains(PolicyVerbs(), verb) {
			return nil, fmt.Errorf("entry %d is not verb=n with a verb among %s", i+1, strings.Join(PolicyVerbs(), ", "))
		}
		n, err := parseNeed(val, 0)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i+1, err)
		}
		if _, dup := out[verb]; dup {
			return nil, fmt.Errorf("entry %d names a verb a second time", i+1)
		}
		out[verb] = n
	}
	return out, nil
}

// ParseProtected reads MDEBOT_PROTECTED: rules separated by commas or semicolons, each
// "group:<device group>=<n|never>" or "tag:<machine tag>=<n|never>", optionally limited to some
// verbs with "@verb+verb" before the "=", e.g. "group:Servers=2; tag:tier0=never;
// tag:vip@isolate+restrict=2". n runs from 1 to MaxApprovals. Errors name a rule by its position.
func ParseProtected(s string) ([]ProtectedRule, error) {
	var out []ProtectedRule
	for i, entry := range splitEntries(s) {
		r, err := parseRule(entry)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i+1, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func parseRule(entry string) (ProtectedRule, error) {
	var r ProtectedRule
	sel, val, ok := strings.Cut(entry, "=")
	if !ok {
		return r, fmt.Errorf("is not group:<name>=<n|never> or tag:<name>=<n|never>")
	}
	kind, name, ok := strings.Cut(strings.TrimSpace(sel), ":")
	r.Kind = strings.ToLower(strings.TrimSpace(kind))
	if !ok || (r.Kind != "group" && r.Kind != "tag") {
		return r, fmt.Errorf("must start with group: or tag:")
	}
	name, verbs, scoped := strings.Cut(name, "@")
	if r.Name = strings.TrimSpace(name); r.Name == "" || strings.ContainsAny(r.Name, ":;,") {
		return r, fmt.Errorf("needs a %s name (without : ; or ,)", r.Kind)
	}
	if scoped {
		for _, v := range strings.Split(verbs, "+") {
			v = strings.ToLower(strings.TrimSpace(v))
			if !slices.Contains(protectedVerbs(), v) {
				return r, fmt.Errorf("may name only the device verbs %s, cancel and tag after @", strings.Join(deviceVerbs(), ", "))
			}
			r.Verbs = append(r.Verbs, v)
		}
	}
	n, err := parseNeed(val, 1)
	r.Need = n
	return r, err
}

// parseNeed reads n (lo to MaxApprovals) or "never".
func parseNeed(s string, lo int) (Need, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "never") {
		return NeverFromChat, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > MaxApprovals {
		return 0, fmt.Errorf("the number of approvals must be %d to %d, or never", lo, MaxApprovals)
	}
	return Need(n), nil
}

func splitEntries(s string) []string {
	var out []string
	for _, e := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// NeedsApproval reports whether some request can wait for approvals under the policy: a verb, or
// a protected-device rule on a verb that may be asked from chat, needs one or more.
func (p ApprovalPolicy) NeedsApproval() bool { return p.MostNeeded() > 0 }

// MostNeeded is the largest number of approvals a request can need under the policy: the verbs'
// numbers, and the protected-device rules on the verbs that may be asked from chat. The
// configuration checks that there are enough approvers for it.
func (p ApprovalPolicy) MostNeeded() int {
	n := 0
	for _, v := range PolicyVerbs() {
		own, _ := p.need(v, nil)
		n = max(n, int(own))
		if own == NeverFromChat || !slices.Contains(protectedVerbs(), v) {
			continue
		}
		for _, r := range p.Protected {
			if len(r.Verbs) == 0 || slices.Contains(r.Verbs, v) {
				n = max(n, int(r.Need))
			}
		}
	}
	return n
}
