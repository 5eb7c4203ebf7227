package alerts

import (
	"context"
	"errors"
	"slices"

	"github.com/slack-go/slack"
)

// alertPoster posts and edits channel messages (slack.Client).
type alertPoster interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
}

// historyReader reads what the bot posted before (slack.Client), to find messages a poller that
// died posted without recording them.
type historyReader interface {
	GetConversationHistoryContext(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error)
	GetConversationRepliesContext(ctx context.Context, params *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error)
	// AuthTestContext says who the bot is, so that only its own messages are trusted.
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
}

// fileUploader shares a file in a channel or thread (slack.Client's UploadFileContext:
// files.getUploadURLExternal, the upload, then files.completeUploadExternal; both methods are
// Tier 4, https://api.slack.com/methods/files.getUploadURLExternal). Optional: a SlackAPI
// without it gets digests without a CSV.
type fileUploader interface {
	UploadFileContext(ctx context.Context, params slack.UploadFileParameters) (*slack.FileSummary, error)
}

// SlackAPI is the part of the Slack Web API the alert poller uses (*slack.Client).
type SlackAPI interface {
	alertPoster
	historyReader
}

// errLostLead stops a poll: this replica is no longer sure to be the leader.
var errLostLead = errors.New("bot: alert poller lost the leadership")

// contentSlackErrors are answers about the message itself: the same message will always be
// refused, but a smaller, plainer one is not (see render.AlertFallback).
func contentSlackErrors() []string {
	return []string{"msg_too_long", "msg_blocks_too_long", "invalid_blocks", "invalid_blocks_format",
		"invalid_attachments", "no_text", "too_many_attachments", "invalid_metadata_format",
		"invalid_metadata_schema", "metadata_too_large", "metadata_must_be_sent_from_app"}
}

// refusalSlackErrors are answers about where the bot posts or who it is: the channel (gone,
// archived, the bot not in it, posting restricted) or the token (revoked, a scope missing, the
// app uninstalled). Every message to the channel is refused the same way until an operator
// fixes it, and then the same message goes through: nothing is dropped meanwhile.
func refusalSlackErrors() []string {
	return []string{"channel_not_found", "not_in_channel", "is_archived", "channel_is_archived",
		"restricted_action", "restricted_action_read_only_channel", "restricted_action_thread_only_channel",
		"restricted_action_non_threadable_channel", "team_access_not_granted", "ekm_access_denied",
		"access_denied", "not_allowed_token_type", "invalid_auth", "not_authed", "account_inactive",
		"token_revoked", "token_expired", "missing_scope", "no_permission", "org_login_required"}
}

// slackCode returns Slack's error code for err, or "".
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	var cr *channelRefused
	if errors.As(err, &cr) {
		return cr.code
	}
	if err != nil && (slices.Contains(contentSlackErrors(), err.Error()) || slices.Contains(refusalSlackErrors(), err.Error())) {
		return err.Error()
	}
	return ""
}

// contentError reports whether Slack refused a message for what it holds.
func contentError(err error) bool {
	return slices.Contains(contentSlackErrors(), slackCode(err))
}

// refusal returns the code when Slack refused the channel or the bot's token, or "".
func refusal(err error) string {
	if c := slackCode(err); slices.Contains(refusalSlackErrors(), c) {
		return c
	}
	return ""
}

// channelRefused is the error of a call not made because Slack refused the channel (or the
// token) earlier in the same poll: the rest of the channel's work waits for the next poll
// rather than being refused one message at a time.
type channelRefused struct{ code string }

func (e *channelRefused) Error() string {
	return "Slack refused the channel earlier in this poll: " + e.code
}
