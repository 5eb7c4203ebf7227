package alerts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/slack-go/slack"
)

// done records the outcome of c's Slack call:
//   - success: confirmed, and the channel added to the alert's channel list;
//   - Slack refused the channel or the token (the bot is not in the channel, it is archived,
//     the token was revoked ...): released and left for the next poll with the watermark held,
//     logged as an error and shown by the status check, until an operator fixes it; the rest
//     of the channel's work in this poll waits too. The edit of a message in a channel the
//     alert left is the exception: that channel may be gone for good (routes change, old
//     channels get archived) and must not hold every alert back, so the edit fails at this
//     version and the next change of the alert tries again;
//   - Slack refused the message for what it holds even as a plain fallback: failed for good at
//     this digest (a later change of the alert tries again);
//   - the call was never made, or Slack said no for another reason: released, and the next
//     poll tries again;
//   - the answer was lost: left pending (the message may exist: the next poll looks in Slack
//     before posting).
func (d *delivery) done(ctx context.Context, c *claimed, attempted bool, err error, posted store.Posted, inc *incidentRef) {
	p := d.r.p
	c.open = false
	switch code := refusal(err); {
	case err == nil:
		d.writes.Confirm(d.key(c), posted)
		d.writes.IndexChannel(d.key(c).AlertID, d.key(c).Channel)
		if inc != nil {
			d.writes.SetIncident(inc.key, inc.thread)
		}
		d.pending = append(d.pending, confirmation{key: d.key(c), posted: posted, incident: inc, it: c.it})
	case code != "" && c.left:
		p.log.Warn("Slack refused the edit of an alert message in a channel the alert left", "channel", d.ch,
			"code", code, "alert", c.it.id())
		d.writes.Fail(d.key(c), c.digest(), code)
		d.r.failed.Add(1)
	case code != "":
		if d.refused == "" {
			d.refused = code
			d.r.noteRefused(d.ch, code)
			p.log.Error("Slack refuses alert messages in this channel; they wait, and are posted once this is fixed",
				"channel", d.ch, "code", code, "alert", c.it.id(), "fix", refusalHint(code))
		}
		d.writes.Release(d.key(c))
		c.it.leave()
		d.r.held.Add(1)
	case contentError(err):
		p.log.Error("Slack refused an alert message and its plain fallback", "channel", d.ch, "alert", c.it.id(), "err", err)
		d.writes.Fail(d.key(c), c.digest(), slackCode(err))
		d.r.failed.Add(1)
	case !attempted || slackCode(err) != "":
		if !errors.Is(err, errLostLead) && !errors.Is(err, context.Canceled) {
			p.log.Warn("alert message not posted; the next poll tries again", "channel", d.ch, "alert", c.it.id(), "err", err)
		}
		d.writes.Release(d.key(c))
		c.it.leave()
		d.r.deferred.Add(1)
	default:
		p.log.Warn("no answer from Slack to an alert message; the next poll checks whether it exists", "channel", d.ch,
			"alert", c.it.id(), "err", err)
		c.it.leave()
		d.r.deferred.Add(1)
	}
	if !d.batching && len(d.pending) >= p.opts.ConfirmEvery {
		d.flush(ctx)
	}
}

// refusalHint says what an operator does about a refusal code.
func refusalHint(code string) string {
	switch code {
	case "not_in_channel", "channel_not_found":
		return "invite the bot to the channel, or fix the channel ID in MDEBOT_ALERT_CHANNEL or MDEBOT_ALERT_ROUTES"
	case "is_archived", "channel_is_archived":
		return "unarchive the channel, or route its alerts to another one"
	case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired":
		return "check the bot token (it was revoked, rotated, or the app uninstalled)"
	case "missing_scope", "not_allowed_token_type", "no_permission":
		return "give the app the scopes of its manifest and reinstall it"
	}
	return "check the channel's posting settings and the app's access"
}

// flush sends the queued writes. Confirmations Redis did not take are kept for the next poll,
// and their alerts count as unhandled until then.
func (d *delivery) flush(ctx context.Context) {
	p := d.r.p
	if d.writes.Len() == 0 {
		return
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	lost, err := d.writes.Exec(fctx)
	pending := d.pending
	d.pending = nil
	if err != nil {
		p.log.Warn("recording alert messages failed; kept for the next poll", "channel", d.ch, "err", err)
		for _, c := range pending {
			c.it.leave()
		}
		p.keepUnconfirmed(pending)
		return
	}
	for _, k := range lost {
		p.log.Warn("another poller took over an alert claim while this one posted", "channel", k.Channel, "alert", k.AlertID)
	}
}

// close flushes the writes and gives back the claims never attempted.
func (d *delivery) close(ctx context.Context) {
	for _, slab := range d.claims {
		for i := range slab {
			c := &slab[i]
			if !c.open {
				continue
			}
			c.open = false
			d.writes.Release(d.key(c))
			c.it.leave()
			d.r.deferred.Add(1)
		}
	}
	d.flush(ctx)
}

// keepUnconfirmed remembers confirmations for the next poll.
func (p *Poller) keepUnconfirmed(cs []confirmation) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unconfirmed = append(p.unconfirmed, cs...)
}

// flushUnconfirmed records the posts an earlier poll could not; the poll stops if Redis still
// cannot take them.
func (p *Poller) flushUnconfirmed(ctx context.Context) error {
	p.mu.Lock()
	cs := p.unconfirmed
	p.unconfirmed = nil
	p.mu.Unlock()
	if len(cs) == 0 {
		return nil
	}
	w := p.st.AlertWrites(p.opts.Owner, p.opts.Retention)
	for _, c := range cs {
		w.Confirm(c.key, c.posted)
		w.IndexChannel(c.key.AlertID, c.key.Channel)
		if c.incident != nil {
			w.SetIncident(c.incident.key, c.incident.thread)
		}
	}
	if _, err := w.Exec(ctx); err != nil {
		p.keepUnconfirmed(cs)
		return err
	}
	return nil
}

// metaEvent is the event type of the metadata on every message the poller posts; reconciliation
// reads it back.
const metaEvent = "mdebot_alert"

// Message kinds in the metadata.
const (
	kindCard    = "card"
	kindDigest  = "digest"
	kindChunk   = "digest_chunk"
	kindChange  = "change"
	kindChanges = "changes"
)

func meta(kind string, payload map[string]any) slack.MsgOption {
	if payload == nil {
		payload = map[string]any{}
	}
	payload["kind"] = kind
	return slack.MsgOptionMetadata(slack.SlackMetadata{EventType: metaEvent, EventPayload: payload})
}

// cardMeta is the metadata of an alert's own message: the alert, its incident and severity
// (so that a first start finds incident threads and their parent's severity), and a hash of the
// digest the message shows (so that a message found in the channel is not edited when it is
// current; a hash, because a digest holds the assignee, which MDE lets be long).
func cardMeta(c *claimed) map[string]any {
	a := c.it.brief()
	m := map[string]any{"alert_id": a.ID, "shows": digestHash(c.digest()), "severity": string(c.it.sev())}
	if a.IncidentID != 0 {
		m["incident"] = strconv.FormatInt(a.IncidentID, 10)
	}
	return m
}

// digestHash is a short hash of a digest, for metadata.
func digestHash(d string) string {
	sum := sha256.Sum256([]byte(d))
	return hex.EncodeToString(sum[:8])
}
