package alerts

import (
	"cmp"
	"context"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
	"github.com/slack-go/slack"
)

// msgOptions are the options that carry a rendered message.
func msgOptions(m render.Message) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	if len(m.Attachments) > 0 {
		opts = append(opts, slack.MsgOptionAttachments(m.Attachments...))
	}
	return opts
}

// outgoing is one message the poller posts, or the new content of one it edits.
type outgoing struct {
	msg render.Message
	// fallback renders a plain message to send instead when Slack refuses msg for what it
	// holds (its argument is Slack's code); nil: none.
	fallback func(code string) render.Message
	thread   string // the thread parent, for a reply
	// broadcast also shows a thread reply in the channel (reply_broadcast).
	broadcast bool
	kind      string
	payload   map[string]any
}

// withMetadata reports whether a message sent after Slack refused one with code keeps its
// metadata: not when the metadata was the problem.
func withMetadata(code string) bool {
	return !strings.Contains(code, "metadata")
}

// post sends a new message (a thread reply when o.thread is set) and returns its ts. When Slack
// refuses it for what it holds, the fallback is posted instead.
func (d *delivery) post(ctx context.Context, o outgoing) (ts string, attempted bool, err error) {
	ts, attempted, err = d.postOnce(ctx, o, o.msg, true)
	if err == nil || !contentError(err) || o.fallback == nil {
		return ts, attempted, err
	}
	code := slackCode(err)
	d.r.p.log.Warn("Slack refused an alert message for what it holds; posting a plain one instead", "channel", d.ch, "code", code)
	return d.postOnce(ctx, o, o.fallback(code), withMetadata(code))
}

func (d *delivery) postOnce(ctx context.Context, o outgoing, m render.Message, withMeta bool) (ts string, attempted bool, err error) {
	opts := msgOptions(m)
	if withMeta {
		opts = append(opts, meta(o.kind, maps.Clone(o.payload)))
	}
	if o.thread != "" {
		opts = append(opts, slack.MsgOptionTS(o.thread))
		if o.broadcast {
			opts = append(opts, slack.MsgOptionBroadcast())
		}
	}
	attempted, err = d.send(ctx, func(ctx context.Context) error {
		var err error
		_, ts, err = d.r.p.slack.PostMessageContext(ctx, d.ch, opts...)
		return err
	})
	return ts, attempted, err
}

// edit replaces the content of message ts (text, blocks, attachments, metadata). When Slack
// refuses the new content for what it holds, the fallback replaces it instead.
func (d *delivery) edit(ctx context.Context, ts string, o outgoing) (attempted bool, err error) {
	attempted, err = d.editOnce(ctx, ts, o, o.msg, true)
	if err == nil || !contentError(err) || o.fallback == nil {
		return attempted, err
	}
	code := slackCode(err)
	d.r.p.log.Warn("Slack refused an alert message edit for what it holds; showing a plain one instead", "channel", d.ch, "code", code)
	return d.editOnce(ctx, ts, o, o.fallback(code), withMetadata(code))
}

func (d *delivery) editOnce(ctx context.Context, ts string, o outgoing, m render.Message, withMeta bool) (bool, error) {
	// An edit that leaves blocks or attachments out keeps the old ones: clear them explicitly.
	m = render.Revise(m, render.NewRevision()) // new block_ids: no selection survives the edit
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...),
		slack.MsgOptionAttachments(append([]slack.Attachment{}, m.Attachments...)...)}
	if withMeta {
		opts = append(opts, meta(o.kind, maps.Clone(o.payload)))
	}
	return d.send(ctx, func(ctx context.Context) error {
		_, _, _, err := d.r.p.slack.UpdateMessageContext(ctx, d.ch, ts, opts...)
		return err
	})
}

// notice renders alert a's message for this poller's channels; movedTo is set for a channel the
// alert left.
func (p *Poller) notice(a defender.Alert, movedTo []string) render.Message {
	return render.AlertNotice(a, render.NoticeOptions{Portal: p.opts.PortalURL, Buttons: p.opts.ActionButtons, MovedTo: movedTo}, p.opts.Now())
}

// card is the message of c's alert in this channel, with its plain fallback.
func (d *delivery) card(ctx context.Context, c *claimed) outgoing {
	p := d.r.p
	a := d.whole(ctx, c.it.alert())
	return outgoing{msg: p.notice(a, c.movedTo()), kind: kindCard, payload: cardMeta(c),
		fallback: func(code string) render.Message { return render.AlertFallback(a, p.opts.PortalURL, code) }}
}

// threadGone reports whether Slack refused a reply because its thread is gone.
func threadGone(err error) bool {
	switch slackCode(err) {
	case "thread_not_found", "message_not_found", "cannot_reply_to_message":
		return true
	}
	return false
}

// broadcastReply reports whether an alert posted in its incident's thread is shown in the
// channel too: when it is High, or more severe than the alert the thread's parent showed, so
// that the most severe alert of an incident is never hidden in a thread. A parent whose
// severity is not known (recorded by an older version) only lets High through.
func broadcastReply(sev defender.Severity, parent store.IncidentThread) bool {
	switch {
	case parent.TS == "":
		return false
	case sev == defender.SeverityHigh:
		return true
	}
	return parent.Severity != "" && !defender.Severity(parent.Severity).AtLeast(sev)
}

// postNew posts an alert as its own message: in the thread of its incident when another alert
// of the incident was posted in the channel (shown in the channel too when it is more severe
// than that one, or High), else as a new message that becomes the incident's thread.
func (d *delivery) postNew(ctx context.Context, c *claimed) {
	a := c.it.brief()
	o := d.card(ctx, c)
	if a.IncidentID != 0 {
		parent := d.inc[a.IncidentID]
		o.thread, o.broadcast = parent.TS, broadcastReply(c.it.sev(), parent)
	}
	ts, attempted, err := d.post(ctx, o)
	if err != nil && o.thread != "" && threadGone(err) {
		o.thread, o.broadcast = "", false
		ts, attempted, err = d.post(ctx, o)
	}
	var inc *incidentRef
	if err == nil && o.thread == "" && a.IncidentID != 0 {
		th := store.IncidentThread{TS: ts, Severity: string(c.it.sev())}
		d.inc[a.IncidentID] = th
		inc = &incidentRef{key: store.IncidentKey{Channel: d.ch, IncidentID: a.IncidentID}, thread: th}
	}
	if err == nil {
		d.r.posted.Add(1)
	}
	d.done(ctx, c, attempted, err, store.Posted{TS: ts, Thread: o.thread, Digest: c.digest(), Kind: kindCard}, inc)
}

// postDigest posts many new alerts as one digest: a parent message, then every alert listed in
// thread replies, each as full as Slack allows, and the whole list as a CSV in the thread when
// it runs to more than a few replies. Each reply's alerts are confirmed as soon as it is posted.
// The list is read from the items as each reply is rendered, never copied whole.
func (d *delivery) postDigest(ctx context.Context, cs []*claimed) {
	p := d.r.p
	sorted := cs // sorted in place: the caller is done with the order
	slices.SortStableFunc(sorted, func(x, y *claimed) int {
		if c := y.it.sev().Rank() - x.it.sev().Rank(); c != 0 {
			return c
		}
		return cmp.Compare(x.it.updated, y.it.updated)
	})
	list := render.DigestList{N: len(sorted), At: func(i int) defender.Alert { return sorted[i].it.alert() }}
	now := p.opts.Now()
	pages := render.DigestPageCount(list, p.opts.PortalURL, now)
	uploader, canUpload := p.slack.(fileUploader)
	csv := canUpload && pages > render.DigestCSVAfter
	head := render.Digest(list, pages, csv, p.opts.PortalURL, now)
	parent, attempted, err := d.post(ctx, outgoing{msg: head, kind: kindDigest, payload: map[string]any{"alerts": len(sorted)},
		fallback: func(string) render.Message { return render.PlainFallback(head) }})
	if err != nil {
		for _, c := range sorted {
			d.done(ctx, c, attempted, err, store.Posted{}, nil)
		}
		return
	}
	if csv {
		d.attachCSV(ctx, uploader, parent, list)
	}
	for pg := range render.DigestPages(list, p.opts.PortalURL, now) {
		part := sorted[pg.From : pg.From+pg.N]
		ids, shows := make([]any, len(part)), make([]any, len(part))
		for j, c := range part {
			ids[j], shows[j] = c.it.id(), digestHash(c.digest())
		}
		ts, attempted, err := d.post(ctx, outgoing{msg: pg.Msg, thread: parent, kind: kindChunk,
			payload: map[string]any{"alert_ids": ids, "shows": shows},
			fallback: func(code string) render.Message {
				listed := make([]defender.Alert, len(part))
				for j, c := range part {
					listed[j] = c.it.alert()
				}
				return render.DigestChunkFallback(listed, pg.From, len(sorted), code)
			}})
		d.batching = true
		for _, c := range part {
			if err == nil {
				d.r.digested.Add(1)
			}
			d.done(ctx, c, attempted, err, store.Posted{TS: ts, Thread: parent, Digest: c.digest(), Kind: kindDigest}, nil)
		}
		d.batching = false
		d.flush(ctx)
	}
}

// attachCSV shares the digest's whole list as a CSV in its thread, paced like a post (Slack
// shows it as a message in the thread). It is a copy of what the replies list: when it fails,
// the failure is logged and the replies still list every alert. The file is written as it is
// sent (its size measured by writing it once to nowhere first), never held whole.
func (d *delivery) attachCSV(ctx context.Context, up fileUploader, parent string, list render.DigestList) {
	portal := d.r.p.opts.PortalURL
	var size countWriter
	err := render.WriteDigestCSV(&size, list, portal)
	if err == nil {
		_, err = d.send(ctx, func(ctx context.Context) error {
			pr, pw := io.Pipe()
			var wg sync.WaitGroup
			wg.Go(func() { _ = pw.CloseWithError(render.WriteDigestCSV(pw, list, portal)) })
			defer wg.Wait()
			defer pr.Close() // stops the writer when the upload ends early
			_, err := up.UploadFileContext(ctx, slack.UploadFileParameters{Reader: pr, FileSize: int(size),
				Filename: render.DigestCSVName, Title: "Alerts (" + strconv.Itoa(list.N) + ")", Channel: d.ch, ThreadTimestamp: parent})
			return err
		})
	}
	if err != nil {
		d.r.p.log.Warn("attaching a digest's CSV failed; its replies list every alert", "channel", d.ch, "err", err)
	}
}

// countWriter counts what is written to it.
type countWriter int64

func (w *countWriter) Write(b []byte) (int, error) {
	*w += countWriter(len(b))
	return len(b), nil
}
