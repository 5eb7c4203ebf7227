package bot

import (
	"context"
	"log/slog"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

// poster posts one message (a *slack.Client).
type poster interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
}

// auditQueue is how many entries may wait for the audit channel before new ones are dropped
// (they stay in the Redis trail and the log).
const auditQueue = 1024

// AuditMirror posts the audit trail to MDEBOT_AUDIT_CHANNEL, one line per entry, in order. It
// implements commands.AuditSink: Record never blocks, and Run does the posting.
type AuditMirror struct {
	api     poster
	channel string
	log     *slog.Logger
	queue   chan commands.AuditEntry
}

// NewAuditMirror returns a mirror to channel.
func NewAuditMirror(api poster, channel string, log *slog.Logger) *AuditMirror {
	return &AuditMirror{api: api, channel: channel, log: log.With("component", "audit-mirror"),
		queue: make(chan commands.AuditEntry, auditQueue)}
}

// Record queues an entry; when the queue is full the entry is dropped from the channel only.
func (m *AuditMirror) Record(_ context.Context, e commands.AuditEntry) {
	select {
	case m.queue <- e:
	default:
		m.log.Warn("audit channel behind: entry not mirrored", "event", e.Event, "request", e.Request)
	}
}

// Run posts queued entries until ctx ends, then what is already queued (for up to 5 s).
func (m *AuditMirror) Run(ctx context.Context) error {
	for {
		select {
		case e := <-m.queue:
			m.post(ctx, e)
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			for {
				select {
				case e := <-m.queue:
					m.post(dctx, e)
				default:
					return nil
				}
			}
		}
	}
}

func (m *AuditMirror) post(ctx context.Context, e commands.AuditEntry) {
	text := auditLine(e)
	blk := slack.NewSectionBlock(&slack.TextBlockObject{Type: slack.MarkdownType, Text: text, Verbatim: true}, nil, nil)
	if _, _, err := m.api.PostMessageContext(ctx, m.channel, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blk)); err != nil {
		m.log.Warn("audit entry not mirrored", "event", e.Event, "request", e.Request, "err", err)
	}
}

// auditLine is one entry in escaped mrkdwn. People show as their plain ids (no mention, so the
// channel notifies nobody).
func auditLine(e commands.AuditEntry) string {
	b := &msgBuilder{}
	line := b.auditEmoji(e.Event) + " *" + b.or(b.inline(e.Event, 40)) + "* " +
		b.join(b.inline(e.Verb, 30), b.code(e.Target, 200), "by "+b.or(b.code(e.Actor, 40)),
			b.labelled("request", b.code(e.Request, 40)), b.labelled("action", b.code(e.ActionID, 60)),
			e.Time.UTC().Format("2006-01-02 15:04:05 UTC"))
	if e.Detail != "" {
		line += "\n" + b.inline(e.Detail, 500)
	}
	return commands.Truncate(line, limitSection)
}
