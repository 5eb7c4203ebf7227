package alerts

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// A poll holds every alert it read until its last post, and a storm is thousands of them: the
// bot's memory during a storm is mostly what it keeps per alert. So an alert of a poll is an
// item of a few words: its id and title (one string, cut from a block of text shared by many
// items: see interner.text), incident and update time; what many alerts share (severity,
// status and the other fields a channel sees, category, source, device, and so the channels
// it goes to) is one facets record per poll for all the alerts alike; what only some alerts
// need (the whole alert, for a poll of few; its creation time, on the store's first poll;
// evidence SHA-1s; channels it left; a mute) is in an extra record, nil for most alerts of a
// storm.

// brief is an item's own fields as they were read.
type brief struct {
	ID, Title  string
	IncidentID int64
}

// item is one alert of a poll, with what the poll decided about it (56 bytes).
type item struct {
	text      string // the alert's id then its title
	idLen     uint32 // the id is text[:idLen]
	unhandled uint32 // set (atomically) when some channel did not finish it: the watermark stays before it
	incident  int64
	updated   int64  // lastUpdateTime, Unix nanoseconds (0: none)
	rt        *route // its facets and device, and where such alerts go
	x         *extra // nil: nothing but the above
}

func (it *item) id() string    { return it.text[:it.idLen] }
func (it *item) title() string { return it.text[it.idLen:] }

func (it *item) brief() brief {
	return brief{ID: it.id(), Title: it.title(), IncidentID: it.incident}
}

// facets are the fields many alerts of a poll share, and what the poll decided from them.
type facets struct {
	sev              defender.Severity
	vis              visible
	category, source string
	digest           string // vis.digest()
	low              bool   // below MinSeverity (set by classify): only an existing message is kept up to date
}

// facetKey is what makes two alerts' facets alike.
type facetKey struct {
	sev              defender.Severity
	vis              visible
	category, source string
}

// device is the device of an alert.
type device struct{ machineID, dns, group string }

// route is the alerts of one poll with alike facets on one device, and where they go.
type route struct {
	f        *facets
	dev      *device
	routed   bool     // channels are set (by classify)
	channels []string // never appended to: shared
}

// extra is what only some alerts of a poll need.
type extra struct {
	created int64           // alertCreationTime, Unix nanoseconds: kept by the store's first poll only (see firstStartSince)
	whole   *defender.Alert // the alert as read (polls of at most fullAlertsKept alerts)
	sha1s   []string        // the evidence's SHA-1s, while a SHA-1 mute is in force
	mute    *store.Mute
	// moved are channels the alert was posted in and no longer goes to: their message is kept
	// up to date, without buttons, and says where the alert went (see moved.go).
	moved []string
	// channels replaces the facets' channels when the alert stays where it was posted (see
	// loadMoved).
	channels []string
}

func (it *item) leave() { atomic.StoreUint32(&it.unhandled, 1) }

func (it *item) isUnhandled() bool { return atomic.LoadUint32(&it.unhandled) == 1 }

func (it *item) digest() string         { return it.rt.f.digest }
func (it *item) vis() visible           { return it.rt.f.vis }
func (it *item) low() bool              { return it.rt.f.low }
func (it *item) sev() defender.Severity { return it.rt.f.sev }

func (it *item) channels() []string {
	if it.x != nil && it.x.channels != nil {
		return it.x.channels
	}
	return it.rt.channels
}

func (it *item) moved() []string {
	if it.x == nil {
		return nil
	}
	return it.x.moved
}

func (it *item) mute() *store.Mute {
	if it.x == nil {
		return nil
	}
	return it.x.mute
}

func (it *item) more() *extra {
	if it.x == nil {
		it.x = &extra{}
	}
	return it.x
}

func (it *item) updatedAt() time.Time { return nanoTime(it.updated) }

// createdAt is the alert's creation time; zero unless the poll kept it (see newItem).
func (it *item) createdAt() time.Time {
	switch {
	case it.x == nil:
		return time.Time{}
	case it.x.whole != nil:
		return it.x.whole.AlertCreationTime.Time
	}
	return nanoTime(it.x.created)
}

func nanoTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// alert is the item as a defender.Alert, for rendering, routing and mutes: the alert whole when
// the poll kept it so, else what the item holds (see slim.go for the cards of a storm).
func (it *item) alert() defender.Alert {
	if it.x != nil && it.x.whole != nil {
		return *it.x.whole
	}
	f, dev := it.rt.f, it.rt.dev
	a := defender.Alert{ID: it.id(), Title: it.title(), IncidentID: it.incident, Severity: f.sev,
		Status: defender.AlertStatus(f.vis.Status), AssignedTo: f.vis.AssignedTo,
		Classification: defender.Classification(f.vis.Classification), Determination: f.vis.Determination,
		Category: f.category, DetectionSource: f.source, MachineID: dev.machineID, ComputerDNSName: dev.dns, RBACGroupName: dev.group,
		LastUpdateTime: defender.Timestamp{Time: it.updatedAt()}, AlertCreationTime: defender.Timestamp{Time: it.createdAt()}}
	if it.x != nil {
		for _, s := range it.x.sha1s {
			a.Evidence = append(a.Evidence, defender.Evidence{SHA1: s})
		}
	}
	return a
}

// interner gives alike facets, devices, routes and strings of one poll one copy, and packs
// the items' ids and titles into shared blocks of text.
type interner struct {
	facets  map[facetKey]*facets
	devices map[device]*device
	routes  map[route2]*route
	strings map[string]string
	// block is the block of text being filled: what String returns of it stays as it is while
	// the block grows within its capacity (strings.Builder only appends), so an item's text
	// is a slice of it, without a string of its own (its header and its allocation's rounding).
	block strings.Builder
}

// textBlock is the size of the blocks of text items' ids and titles are packed into.
const textBlock = 16 << 10

// text returns id followed by title, in the block of text being filled (a new one when it is
// full).
func (in *interner) text(id, title string) string {
	n := len(id) + len(title)
	if in.block.Cap()-in.block.Len() < n {
		in.block = strings.Builder{}
		in.block.Grow(max(n, textBlock))
	}
	from := in.block.Len()
	in.block.WriteString(id)
	in.block.WriteString(title)
	return in.block.String()[from:]
}

type route2 struct {
	f   *facets
	dev *device
}

// route returns the one route of alerts with facets f on device dev.
func (in *interner) route(f *facets, dev *device) *route {
	k := route2{f, dev}
	if rt, ok := in.routes[k]; ok {
		return rt
	}
	if in.routes == nil {
		in.routes = map[route2]*route{}
	}
	rt := &route{f: f, dev: dev}
	in.routes[k] = rt
	return rt
}

func (in *interner) str(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := in.strings[s]; ok {
		return v
	}
	if in.strings == nil {
		in.strings = map[string]string{}
	}
	in.strings[s] = s
	return s
}

// newItem keeps of a what the poll needs; keepWhole keeps the alert whole too, keepSHA1 its
// evidence's SHA-1s, keepCreated its creation time.
func (in *interner) newItem(a defender.Alert, keepWhole, keepSHA1, keepCreated bool) item {
	v := visibleOf(a)
	k := facetKey{sev: defender.Severity(in.str(string(a.Severity))), vis: visible{Status: in.str(v.Status),
		AssignedTo: in.str(v.AssignedTo), Classification: in.str(v.Classification), Determination: in.str(v.Determination),
		Severity: in.str(v.Severity)}, category: in.str(a.Category), source: in.str(a.DetectionSource)}
	shared, ok := in.facets[k]
	if !ok {
		shared = &facets{sev: k.sev, vis: k.vis, category: k.category, source: k.source, digest: k.vis.digest()}
		if in.facets == nil {
			in.facets = map[facetKey]*facets{}
		}
		in.facets[k] = shared
	}
	it := item{text: in.text(a.ID, a.Title), idLen: uint32(len(a.ID)), incident: a.IncidentID, updated: unixNano(a.LastUpdateTime.Time),
		rt: in.route(shared, in.device(a))}
	x := extra{sha1s: evidenceSHA1s(a, keepSHA1 && !keepWhole)}
	if keepWhole {
		whole := a
		x.whole = &whole
	}
	if keepCreated {
		x.created = unixNano(a.AlertCreationTime.Time)
	}
	if x.whole != nil || x.sha1s != nil || x.created != 0 {
		it.x = &x
	}
	return it
}

func (in *interner) device(a defender.Alert) *device {
	k := device{machineID: a.MachineID, dns: a.ComputerDNSName, group: a.RBACGroupName}
	if dev, ok := in.devices[k]; ok {
		return dev
	}
	if in.devices == nil {
		in.devices = map[device]*device{}
	}
	dev := &device{machineID: in.str(k.machineID), dns: in.str(k.dns), group: in.str(k.group)}
	in.devices[k] = dev
	return dev
}

// slim drops the whole alert (keeping its evidence's SHA-1s when keepSHA1).
func (it *item) slim(keepSHA1, keepCreated bool) {
	if it.x == nil || it.x.whole == nil {
		return
	}
	it.x.sha1s, it.x.created, it.x.whole = evidenceSHA1s(*it.x.whole, keepSHA1), unixNano(it.x.whole.AlertCreationTime.Time), nil
	if it.x.sha1s == nil && it.x.mute == nil && (it.x.created == 0 || !keepCreated) {
		it.x = nil
	}
}

func evidenceSHA1s(a defender.Alert, keep bool) []string {
	if !keep {
		return nil
	}
	var out []string
	for _, e := range a.Evidence {
		if e.SHA1 != "" {
			out = append(out, e.SHA1)
		}
	}
	return out
}
