package approvals

import (
	"context"
	"log/slog"
	"time"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/bot/slackpost"
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
	pace    *slackpost.Pacer
}

// NewAuditMirror returns a mirror to channel. pace spaces its posts like the alert poster's
// (about one a second, short bursts) and waits out every Retry-After; nil: slackpost's pace of
// one a second in bursts of three.
func NewAuditMirror(api poster, channel string, log *slog.Logger, pace *slackpost.Pacer) *AuditMirror {
	if pace == nil {
		pace = slackpost.NewPacer(1, 3, slackpost.Sleep)
	}
	return &AuditMirror{api: api, channel: channel, log: log.With("component", "audit-mirror"),
		queue: make(chan commands.AuditEntry, auditQueue), pace: pace}
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
	text := render.AuditLine(e)
	blk := slack.NewSectionBlock(&slack.TextBlockObject{Type: slack.MarkdownType, Text: text, Verbatim: true}, nil, nil)
	err := m.pace.Do(ctx, m.channel, nil, func(ctx context.Context) error {
		_, _, err := m.api.PostMessageContext(ctx, m.channel, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blk))
		return err
	})
	if err != nil {
		m.log.Warn("audit entry not mirrored", "event", e.Event, "request", e.Request, "err", err)
	}
}
