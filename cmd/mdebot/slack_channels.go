package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"
)

// The bot posts only into channels it was invited to: the manifest has no chat:write.public
// ("Send messages to channels your Slack app isn't a member of", docs.slack.dev/reference/
// scopes/chat:write.public), because a bot outside a channel cannot read its history (crash
// recovery) nor answer there ephemerally. So every configured channel is checked at start and by
// `mdebot check` with conversations.info, whose is_member says whether the bot is in it (bot
// scopes channels:read for public channels, groups:read for private ones, which the bot sees only
// once invited: docs.slack.dev/reference/methods/conversations.info, .../scopes/groups:read).

// slackChannel is one channel of the configuration and the variables that name it.
type slackChannel struct {
	ID   string
	Vars []string
}

// configuredChannels lists the channels the configuration posts to, each once.
func configuredChannels(cfg *Config) []slackChannel {
	var out []slackChannel
	add := func(id, v string) {
		if id == "" {
			return
		}
		if i := slices.IndexFunc(out, func(c slackChannel) bool { return c.ID == id }); i >= 0 {
			if !slices.Contains(out[i].Vars, v) {
				out[i].Vars = append(out[i].Vars, v)
			}
			return
		}
		out = append(out, slackChannel{ID: id, Vars: []string{v}})
	}
	add(cfg.AlertChannel, "MDEBOT_ALERT_CHANNEL")
	for _, c := range cfg.AlertRouteRules.AllChannels() {
		add(c, "MDEBOT_ALERT_ROUTES")
	}
	add(cfg.ApprovalChannel, "MDEBOT_APPROVAL_CHANNEL")
	add(cfg.AuditChannel, "MDEBOT_AUDIT_CHANNEL")
	return out
}

// channelInfo is conversations.info (slack.Client).
type channelInfo interface {
	GetConversationInfoContext(ctx context.Context, input *slack.GetConversationInfoInput) (*slack.Channel, error)
}

// channelState is what conversations.info said about one configured channel.
type channelState struct {
	slackChannel
	Name    string // "" when Slack did not say
	Private bool
	Member  bool
	Err     error // the call failed: channel_not_found (a private channel the bot is not in), missing_scope, ...
}

// label is "#name (C0123)" or "C0123".
func (s channelState) label() string {
	if s.Name == "" {
		return s.ID
	}
	return "#" + s.Name + " (" + s.ID + ")"
}

// checkMembership asks Slack about every channel.
func checkMembership(ctx context.Context, api channelInfo, chans []slackChannel) []channelState {
	out := make([]channelState, 0, len(chans))
	for _, c := range chans {
		s := channelState{slackChannel: c}
		ch, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: c.ID})
		if err != nil {
			s.Err = err
		} else {
			s.Name, s.Private, s.Member = ch.Name, ch.IsPrivate, ch.IsMember
		}
		out = append(out, s)
	}
	return out
}

// membershipError names every channel the bot is not in (or could not see), what configures it
// and what to type there; nil when the bot is in all of them. botName is the bot's handle.
func membershipError(states []channelState, botName string) error {
	invite := "/invite @" + cmp.Or(botName, "mdebot")
	var probs []string
	for _, s := range states {
		vars := strings.Join(s.Vars, ", ")
		switch {
		case s.Err != nil && strings.Contains(s.Err.Error(), "channel_not_found"):
			probs = append(probs, fmt.Sprintf("%s (%s) is not visible to the bot: a private channel it is not in, or no such "+
				"channel; type `%s` in it, or fix %s", s.ID, vars, invite, vars))
		case s.Err != nil && strings.Contains(s.Err.Error(), "missing_scope"):
			probs = append(probs, fmt.Sprintf("%s (%s) cannot be checked: the bot token lacks channels:read or groups:read "+
				"(reinstall the app with the manifest of `mdebot manifest`)", s.ID, vars))
		case s.Err != nil:
			probs = append(probs, fmt.Sprintf("%s (%s) could not be checked: %v", s.ID, vars, s.Err))
		case !s.Member:
			probs = append(probs, fmt.Sprintf("the bot is not in %s (%s): type `%s` in it", s.label(), vars, invite))
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return errors.New(strings.Join(probs, "; "))
}
