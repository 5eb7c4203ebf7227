package interact

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/slack-go/slack"
)

// Responder answers people. Both fields are required.
type Responder struct {
	// HTTP posts to response URLs.
	HTTP *http.Client
	// API posts the ephemeral messages (a *slack.Client).
	API interface {
		PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	}
	// Log gets the answers that failed.
	Log *slog.Logger
}

// Respond answers through the response_url (which works in any channel, even one the bot is
// not in), falling back to an ephemeral message.
func (r Responder) Respond(ctx context.Context, to Reply, msg render.Message, inChannel bool) {
	rt := slack.ResponseTypeEphemeral
	if inChannel {
		rt = slack.ResponseTypeInChannel
	}
	if to.ResponseURL != "" {
		replace := to.Replace
		if replace && inChannel {
			// An ephemeral note cannot become a message the channel sees: delete it, then post.
			replace = false
			if err := slack.PostWebhookCustomHTTPContext(ctx, to.ResponseURL, r.HTTP, &slack.WebhookMessage{DeleteOriginal: true}); err != nil {
				r.Log.Warn("progress note not deleted", "ref", to.Ref, "err", redactURLError(err, to.ResponseURL))
			}
		}
		if replace {
			// replace_original edits the message the response_url last posted ("Handling user
			// interaction in your Slack apps", api.slack.com/interactivity/handling): an edit like
			// chat.update, so its interactive blocks get new block_ids (render.Revise).
			msg = render.Revise(msg, render.NewRevision())
		}
		wm := &slack.WebhookMessage{Text: msg.Text, ResponseType: rt, Attachments: msg.Attachments, ReplaceOriginal: replace}
		if len(msg.Blocks) > 0 {
			wm.Blocks = &slack.Blocks{BlockSet: msg.Blocks}
		}
		err := slack.PostWebhookCustomHTTPContext(ctx, to.ResponseURL, r.HTTP, wm)
		if err == nil {
			return
		}
		r.Log.Warn("reply through response_url failed; trying an ephemeral message", "ref", to.Ref, "err", redactURLError(err, to.ResponseURL))
	}
	opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)}
	if len(msg.Attachments) > 0 {
		opts = append(opts, slack.MsgOptionAttachments(msg.Attachments...))
	}
	if _, err := r.API.PostEphemeralContext(ctx, to.ChannelID, to.UserID, opts...); err != nil {
		r.Log.Error("reply failed", "ref", to.Ref, "user", to.UserID, "err", err)
	}
}

// redactURLError keeps a response URL (a bearer capability) out of logs.
func redactURLError(err error, url string) string {
	s := err.Error()
	if url != "" {
		s = strings.ReplaceAll(s, url, "<response_url>")
	}
	return s
}
