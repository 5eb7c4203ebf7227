package socket

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

// runJob runs one request through the router and answers it.
func (b *Bot) runJob(ctx context.Context, j job) {
	b.log.Debug("request started", "ref", j.req.Ref, "waited", jobAge(j, b.opts.Now()), "button", j.fromButton, "lane", j.lane.String())
	if j.fn != nil {
		j.fn(ctx)
		return
	}
	defer j.progress.finish()
	resp := b.router.Handle(ctx, j.req)
	to := j.reply()
	to.Replace = j.progress.finish()
	if resp.Approval != nil && b.onApproval != nil {
		b.onApproval(ctx, to, resp)
		return
	}
	msg := render.Response(resp, b.opts.Now())
	if resp.File != nil {
		if msg.Cut {
			if note := b.upload(ctx, j, resp.File); note != "" {
				msg.Blocks = append(msg.Blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, note, false, false)))
			}
		}
		b.removeFile(j, resp.File)
	}
	b.responder.Respond(ctx, to, msg, resp.InChannel)
}

// upload sends a file to the requester in a direct message, never to the channel: a hunting
// result may hold data the channel's other members (guests included) should not see. The file
// is read from disk as it is sent: slack-go's UploadFileContext copies Reader into the upload
// request through a pipe, and FileSize is files.getUploadURLExternal's length ("Size in bytes of
// the file being uploaded", https://docs.slack.dev/reference/methods/files.getUploadURLExternal/).
// It returns a note for the reply when it could not.
func (b *Bot) upload(ctx context.Context, j job, f *commands.File) string {
	im, _, _, err := b.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{j.req.UserID}})
	var r *os.File
	if err == nil {
		r, err = f.Open()
	}
	if err == nil {
		defer r.Close()
		_, err = b.api.UploadFileContext(ctx, slack.UploadFileParameters{
			Reader:         r,
			FileSize:       int(f.Size),
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

// removeFile deletes a response's file once the reply is done with it.
func (b *Bot) removeFile(j job, f *commands.File) {
	if err := f.Remove(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		b.log.Warn("temporary file not removed", "ref", j.req.Ref, "err", err)
	}
}

// jobAge is how long a job waited, for logs.
func jobAge(j job, now time.Time) time.Duration { return now.Sub(j.received) }
