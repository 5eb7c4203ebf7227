package alerts

import (
	"strings"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/defender"
)

// visible are the fields of an alert a channel sees change: a change of any of them edits the
// message and adds a thread reply; a change of anything else (evidence, last event time) makes
// no noise.
type visible struct {
	Status, AssignedTo, Classification, Determination, Severity string
}

func visibleOf(a defender.Alert) visible {
	return visible{Status: string(a.Status), AssignedTo: a.AssignedTo, Classification: string(a.Classification),
		Determination: a.Determination, Severity: string(a.Severity)}
}

// digestVersion starts every digest, so that a change of the encoding is a change of digest.
const digestVersion = "v1"

// digest encodes the visible fields; the store compares digests to decide what to do, and the
// thread reply decodes the old one to say what changed.
func (v visible) digest() string {
	clean := func(s string) string { return strings.NewReplacer("|", "/", "\n", " ").Replace(s) }
	return strings.Join([]string{digestVersion, clean(v.Status), clean(v.AssignedTo), clean(v.Classification),
		clean(v.Determination), clean(v.Severity)}, "|")
}

// movedPrefix starts the part of a digest that says where the alert went, in a channel it no
// longer goes to.
const movedPrefix = "moved "

// movedDigest is the digest of a message left in a channel the alert no longer goes to: what
// it shows (d) and the channels it points to.
func movedDigest(d string, to []string) string {
	return d + "|" + movedPrefix + strings.Join(to, " ")
}

// parseDigest decodes a digest (of a message where the alert is followed, or one it moved
// from); ok is false for an unknown encoding.
func parseDigest(d string) (visible, bool) {
	p := strings.Split(d, "|")
	if len(p) == 7 && strings.HasPrefix(p[6], movedPrefix) {
		p = p[:6]
	}
	if len(p) != 6 || p[0] != digestVersion {
		return visible{}, false
	}
	return visible{Status: p[1], AssignedTo: p[2], Classification: p[3], Determination: p[4], Severity: p[5]}, true
}

// movedTo returns the channels a moved message's digest points to; nil when the message is
// not one an alert moved from.
func movedTo(d string) []string {
	p := strings.Split(d, "|")
	if len(p) != 7 || !strings.HasPrefix(p[6], movedPrefix) {
		return nil
	}
	return strings.Fields(strings.TrimPrefix(p[6], movedPrefix))
}

// changes lists what differs from old to new, in a fixed order.
func changes(old, cur visible) []render.Change {
	var out []render.Change
	add := func(field, from, to string) {
		if from != to {
			out = append(out, render.Change{Field: field, From: from, To: to})
		}
	}
	add("Status", old.Status, cur.Status)
	add("Severity", old.Severity, cur.Severity)
	add("Assigned to", old.AssignedTo, cur.AssignedTo)
	add("Classification", old.Classification, cur.Classification)
	add("Determination", old.Determination, cur.Determination)
	return out
}
