package bot

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

// runJob runs one request through the router and answers it.
func (b *Bot) runJob(ctx context.Context, j job) {
	b.log.Debug("request started", "ref", j.req.Ref, "waited", jobAge(j, b.opts.Now()), "button", j.fromButton)
	if j.fn != nil {
		j.fn(ctx)
		return
	}
	resp := b.router.Handle(ctx, j.req)
	if resp.Approval != nil && b.approvals != nil {
		b.approvals.requested(ctx, j, resp)
		return
	}
	msg := render.Response(resp, b.opts.Now())
	if resp.File != nil && msg.Cut {
		if note := b.upload(ctx, j, resp.File); note != "" {
			msg.Blocks = append(msg.Blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, note, false, false)))
		}
	}
	b.postResponse(ctx, j, msg, resp.InChannel)
}

// postResponse answers through the request's response_url (which works in any channel, even
// one the bot is not in), falling back to an ephemeral message.
func (b *Bot) postResponse(ctx context.Context, j job, msg render.Message, inChannel bool) {
	rt := slack.ResponseTypeEphemeral
	if inChannel {
		rt = slack.ResponseTypeInChannel
	}
	if j.responseURL != "" {
		wm := &slack.WebhookMessage{Text: msg.Text, ResponseType: rt, Attachments: msg.Attachments}
		if len(msg.Blocks) > 0 {
			wm.Blocks = &slack.Blocks{BlockSet: msg.Blocks}
		}
		err := slack.PostWebhookCustomHTTPContext(ctx, j.responseURL, b.opts.HTTPClient, wm)
		if err == nil {
			return
		}
		b.log.Warn("reply through response_url failed; trying an ephemeral message", "ref", j.req.Ref, "err", redactURLError(err, j.responseURL))
	}
	opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)}
	if len(msg.Attachments) > 0 {
		opts = append(opts, slack.MsgOptionAttachments(msg.Attachments...))
	}
	if _, err := b.api.PostEphemeralContext(ctx, j.req.ChannelID, j.req.UserID, opts...); err != nil {
		b.log.Error("reply failed", "ref", j.req.Ref, "user", j.req.UserID, "err", err)
	}
}

// upload sends a file to the requester in a direct message, never to the channel: a hunting
// result may hold data the channel's other members (guests included) should not see. It returns
// a note for the reply when it could not.
func (b *Bot) upload(ctx context.Context, j job, f *commands.File) string {
	im, _, _, err := b.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{j.req.UserID}})
	if err == nil {
		_, err = b.api.UploadFileContext(ctx, slack.UploadFileParameters{
			Reader:         bytes.NewReader(f.Content),
			FileSize:       len(f.Content),
			Filename:       f.Name,
			Title:          f.Title,
			Channel:        im.ID,
			InitialComment: fmt.Sprintf("Full result of your hunting query (ref %s).", j.req.Ref),
		})
	}
	if err == nil {
		return ""
	}
	b.log.Warn("file upload failed", "ref", j.req.Ref, "user", j.req.UserID, "err", err)
	return "The full result could not be sent to you in a direct message. (ref " + j.req.Ref + ")"
}

// redactURLError keeps a response URL (a bearer capability) out of logs.
func redactURLError(err error, url string) string {
	s := err.Error()
	if url != "" {
		s = strings.ReplaceAll(s, url, "<response_url>")
	}
	return s
}

// jobAge is how long a job waited, for logs.
func jobAge(j job, now time.Time) time.Duration { return now.Sub(j.received) }
