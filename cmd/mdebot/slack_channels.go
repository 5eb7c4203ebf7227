package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

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

// channelWatch is the start-time membership check: logged once at start, then readiness and the
// status command report it, checking again (at most once a minute) while a channel is missing so
// that an /invite clears it without a restart.
type channelWatch struct {
	api   channelInfo
	chans []slackChannel
	log   *slog.Logger
	now   func() time.Time

	mu      sync.Mutex
	checked time.Time
	err     error
}

// recheckEvery bounds how often a failing membership is asked again (conversations.info is Tier 3).
const recheckEvery = time.Minute

// run checks once and logs each problem; it is called at start.
func (w *channelWatch) run(ctx context.Context) {
	if err := w.problem(ctx, true); err != nil {
		w.log.Warn("the bot is not in every configured channel: it cannot post or recover there until invited", "problems", err.Error())
	} else if len(w.chans) > 0 {
		w.log.Info("the bot is in every configured channel", "channels", len(w.chans))
	}
}

// problem returns the last membership problem, asking Slack again when it is stale or forced.
func (w *channelWatch) problem(ctx context.Context, force bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.chans) == 0 {
		return nil
	}
	if force || (w.err != nil && w.now().Sub(w.checked) >= recheckEvery) {
		w.err = membershipError(checkMembership(ctx, w.api, w.chans), "")
		w.checked = w.now()
	}
	return w.err
}

// probe is the status command's line.
func (w *channelWatch) probe(ctx context.Context) (string, error) {
	if err := w.problem(ctx, false); err != nil {
		return "", err
	}
	return fmt.Sprintf("the bot is in all %d configured channels", len(w.chans)), nil
}
