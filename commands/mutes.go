package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mdebot/mdebot/store"
)

// Mutes stop the alert poller from posting matching alerts for a while, like Alertmanager's
// silences. A mute matches one device (by device ID), one alert title (exactly, ignoring case
// and repeated spaces) or one file (a SHA-1 in the alert's evidence). Muted alerts are counted,
// not posted; a mute that ends does not post what it held back.

// Mute durations.
const (
	minMute      = time.Minute
	maxMute      = 30 * 24 * time.Hour
	maxMuteTitle = 300
	maxReason    = 500
)

// MuteStore keeps the mutes (*store.Store satisfies it).
type MuteStore interface {
	AddMute(ctx context.Context, m store.Mute, now time.Time) (store.Mute, error)
	Mutes(ctx context.Context, now time.Time) ([]store.Mute, error)
	RemoveMute(ctx context.Context, id string) (store.Mute, error)
}

// MuteAuditor writes a mute or unmute to the audit trail. When the write fails, nothing changes.
type MuteAuditor interface {
	AuditMute(ctx context.Context, e AuditEntry) error
}

// MuteAuditFunc adapts a function to MuteAuditor.
type MuteAuditFunc func(ctx context.Context, e AuditEntry) error

// AuditMute calls f.
func (f MuteAuditFunc) AuditMute(ctx context.Context, e AuditEntry) error { return f(ctx, e) }

// MuteListView lists mutes: those in force, or the one just set.
type MuteListView struct {
	// Title heads the list ("Alert mutes" when empty); Note follows it, in plain words.
	Title, Note string
	Mutes       []store.Mute
	// PortalURL is the Defender portal, for device links.
	PortalURL string
}

func (MuteListView) isView() {}

func muteVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "mute",
		Usage:   "[machine|title|sha1] <value> for <duration> <reason...>",
		Summary: "Stop posting the alerts of a device, of one alert title or with one file for a while.",
		Details: []string{
			"Without a kind, the value is a SHA-1 when it has 40 hex characters, else a device (computer name or IP address; a choice when it matches several); anything else is refused.",
			"`machine` takes a device ID, computer name or IP address; `title` an alert title (quoted or not, matched exactly without regard to case); `sha1` a file's SHA-1 from alert evidence.",
			"The duration is like 30m, 4h or 7d (at most 30d). Muted alerts are counted, not posted; `mutes` lists them, `unmute <id>` lifts one early.",
			"A mute longer than 24 h, or of a device or title with open High alerts, needs approval like an action (`mute=<n>` in the approval policy); shorter ones are set at once.",
			"Examples: `mute web01 for 4h patching tonight` · `mute machine 10.1.2.3 for 1h scan` · `mute title \"Suspicious PowerShell command line\" for 7d known admin script`",
		},
		Role: Responder,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		if d.Mutes == nil {
			return Response{}, Errorf(Unavailable, "Alert notifications are not enabled on this bot, so there is nothing to mute.")
		}
		spec, err := parseMute(c)
		if err != nil {
			return Response{}, err
		}
		now := callNow(c, d)
		m := store.Mute{ID: store.NewMuteID(), Kind: spec.kind, Reason: spec.reason, Creator: c.UserID,
			Created: now, Until: now.Add(spec.dur)}
		switch spec.kind {
		case store.MuteMachine:
			dev, choice, err := resolveMachine(ctx, d.MDE, c, spec.arg)
			if ue, ok := errors.AsType[*UserError](err); ok && spec.implicit && (ue.Kind == NotFound || ue.Kind == BadArgument) {
				return Response{}, badArg(v, "%s It is not a SHA-1 (40 hex characters) either; to mute an alert title, say so: "+
					"`mute title <title> for ...`.", ue.Msg)
			}
			if err != nil || choice != nil {
				return deref(choice), err
			}
			m.Value, m.Label = strings.ToLower(dev.ID), dev.ComputerDNSName
		case store.MuteTitle:
			m.Value, m.Label = NormalizeTitle(spec.value), spec.value
		case store.MuteSHA1:
			m.Value = strings.ToLower(spec.value)
		}
		why, err := mutePolicyReason(ctx, d, m, spec.dur, now)
		if err != nil {
			return Response{}, err
		}
		if why != "" {
			if d.Approvals == nil {
				return Response{}, Errorf(NotAllowed, "This mute needs approval (%s), and approvals are not enabled on this bot. "+
					"Mute for at most 24 h something without open High alerts.", why)
			}
			return d.Approvals.requestMute(ctx, c, m, spec.dur, why)
		}
		if err := auditMute(ctx, d, AuditEntry{Time: now, Event: "muted", Actor: c.UserID, Verb: "mute",
			Target: muteLabel(m), MachineID: muteMachineOf(m), Request: m.ID,
			Detail: fmt.Sprintf("%s mute for %s until %s: %s", m.Kind, humanDuration(spec.dur), m.Until.UTC().Format(time.RFC3339), m.Reason)}); err != nil {
			return Response{}, err
		}
		if m, err = d.Mutes.AddMute(ctx, m, now); err != nil {
			return Response{}, fmt.Errorf("mute: %w", err)
		}
		text := fmt.Sprintf("Muted the alerts of %s %s for %s, until %s. Mute %s; `unmute %s` lifts it.",
			m.Kind, muteLabel(m), humanDuration(spec.dur), m.Until.UTC().Format("2006-01-02 15:04 UTC"), m.ID, m.ID)
		view := MuteListView{Title: "Alert mute set", Note: fmt.Sprintf("Matching alerts are counted, not posted, for %s. `unmute %s` lifts it early.",
			humanDuration(spec.dur), m.ID), Mutes: []store.Mute{m}, PortalURL: d.PortalURL}
		return Response{Text: text, View: view, InChannel: true}, nil
	}
	return v
}

func mutesVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "mutes",
		Summary: "List the alert mutes in force, with how many alerts each held back.",
		Details: []string{"Example: `mutes`"},
		Role:    Viewer,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		if len(c.Args) > 0 {
			return Response{}, badArg(v, "`mutes` takes no arguments.")
		}
		if d.Mutes == nil {
			return Response{Text: "Alert notifications are not enabled on this bot, so nothing is muted."}, nil
		}
		ms, err := d.Mutes.Mutes(ctx, callNow(c, d))
		if err != nil {
			return Response{}, fmt.Errorf("mutes: %w", err)
		}
		return Response{Text: listText("Alert mutes", len(ms), 0, "mute", "mutes"), View: MuteListView{Mutes: ms, PortalURL: d.PortalURL}}, nil
	}
	return v
}

func unmuteVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "unmute",
		Usage:   "<id> [reason...]",
		Summary: "Lift an alert mute before it ends.",
		Details: []string{"`mutes` shows the ids. Example: `unmute m7k2qf patching done`"},
		Role:    Responder,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		if len(c.Args) == 0 {
			return Response{}, badArg(v, "Name the mute to lift; `mutes` shows the ids.")
		}
		if d.Mutes == nil {
			return Response{}, Errorf(Unavailable, "Alert notifications are not enabled on this bot, so nothing is muted.")
		}
		id := strings.ToLower(strings.TrimSpace(c.Args[0].Text))
		if !isMuteID(id) {
			return Response{}, badArg(v, "`%s` is not a mute id; `mutes` shows the ids.", Plain(id, 40))
		}
		now := callNow(c, d)
		ms, err := d.Mutes.Mutes(ctx, now)
		if err != nil {
			return Response{}, fmt.Errorf("unmute: %w", err)
		}
		var found *store.Mute
		for i := range ms {
			if ms[i].ID == id {
				found = &ms[i]
			}
		}
		if found == nil {
			return Response{}, Errorf(NotFound, "No mute %s is in force; `mutes` lists them.", id)
		}
		var words []string
		for _, t := range c.Args[1:] {
			words = append(words, t.Text)
		}
		reason := Truncate(strings.Join(words, " "), maxReason)
		if err := auditMute(ctx, d, AuditEntry{Time: now, Event: "unmuted", Actor: c.UserID, Verb: "unmute",
			Target: muteLabel(*found), MachineID: muteMachineOf(*found), Request: id,
			Detail: Truncate(fmt.Sprintf("%s mute lifted after %d held-back alerts. %s", found.Kind, found.Hits, reason), 1000)}); err != nil {
			return Response{}, err
		}
		if _, err := d.Mutes.RemoveMute(ctx, id); errors.Is(err, store.ErrNotFound) {
			return Response{}, Errorf(NotFound, "Mute %s ended meanwhile.", id)
		} else if err != nil {
			return Response{}, fmt.Errorf("unmute: %w", err)
		}
		return Response{Text: fmt.Sprintf("Lifted mute %s (%s %s, set by %s); it had held back %s.", id,
			found.Kind, muteLabel(*found), found.Creator, plural(int(found.Hits), "alert", "alerts")), InChannel: true}, nil
	}
	return v
}

// auditMute writes e through the configured auditor; a failure stops the change.
func auditMute(ctx context.Context, d Deps, e AuditEntry) error {
	if d.MuteAudit == nil {
		return nil
	}
	if err := d.MuteAudit.AuditMute(ctx, e); err != nil {
		return &UserError{Kind: Unavailable, Msg: "The audit trail could not be written, so nothing was changed. Try again in a minute.", Err: err}
	}
	return nil
}
