package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/slack-go/slack"
)

// AlertButtons handles Assign to me and the Resolve menu on alert messages. The clicker must be
// a responder at click time; the alert changes in MDE, and the next poll edits the message (the
// one place messages are written). Isolate device belongs to the approval flow.
type AlertButtons struct {
	// MDE changes alerts (*defender.Client).
	MDE interface {
		UpdateAlert(ctx context.Context, id string, u defender.AlertUpdate) (defender.Alert, error)
	}
	// Roles answers whether the clicker is a responder (*commands.Authorizer).
	Roles interface {
		Has(ctx context.Context, user string, role commands.Role) (bool, error)
	}
	// Users reads the clicker's profile, for the e-mail address MDE takes as assignee
	// (*slack.Client; needs the users:read.email scope).
	Users interface {
		GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	}
	Log *slog.Logger
}

// alertIDRe matches an MDE alert id as buttons carry it.
var alertIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$`)

// Register adds the handlers to b.
func (h *AlertButtons) Register(b *Bot) {
	log := h.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "alert-buttons")
	reply := func(ctx context.Context, cb slack.InteractionCallback, text string) {
		j := job{req: commands.Request{Ref: commands.NewRef(), UserID: cb.User.ID, ChannelID: channelOf(cb)}, responseURL: cb.ResponseURL}
		b.postResponse(ctx, j, render(commands.Response{Text: text}, b.opts.Now()), false)
	}
	b.HandleButton(actionAlertAssign, func(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction) {
		cctx, cancel := context.WithTimeout(ctx, clickTimeout)
		defer cancel()
		reply(ctx, cb, h.assign(cctx, log, cb.User.ID, a.Value))
	})
	b.HandleButton(actionAlertResolve, func(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction) {
		cctx, cancel := context.WithTimeout(ctx, clickTimeout)
		defer cancel()
		class, id, _ := strings.Cut(a.SelectedOption.Value, "|")
		reply(ctx, cb, h.resolve(cctx, log, cb.User.ID, id, class))
	})
}

// assign assigns alert id to the clicker and returns what to tell them.
func (h *AlertButtons) assign(ctx context.Context, log *slog.Logger, user, id string) string {
	if msg := h.check(ctx, log, user, id); msg != "" {
		return msg
	}
	upn, msg := h.upn(ctx, log, user)
	if msg != "" {
		return msg
	}
	_, err := h.MDE.UpdateAlert(ctx, id, defender.AlertUpdate{AssignedTo: upn,
		Comment: fmt.Sprintf("Assigned to %s from Slack (user %s) through mdebot.", upn, user)})
	if err != nil {
		return h.failed(log, "assign", id, user, err)
	}
	log.Info("alert assigned", "alert", id, "user", user)
	return fmt.Sprintf("Alert %s is assigned to you (%s) in Defender. Its message shows it after the next poll.", id, upn)
}

// resolve resolves alert id with a classification and returns what to tell the clicker.
func (h *AlertButtons) resolve(ctx context.Context, log *slog.Logger, user, id, class string) string {
	if msg := h.check(ctx, log, user, id); msg != "" {
		return msg
	}
	var label string
	for _, c := range resolveChoices() {
		if c.class == class {
			label = c.label
		}
	}
	if label == "" {
		return "That is not a classification Defender knows; pick one from the menu."
	}
	_, err := h.MDE.UpdateAlert(ctx, id, defender.AlertUpdate{Status: defender.StatusResolved,
		Classification: defender.Classification(class),
		Comment:        fmt.Sprintf("Resolved as %s from Slack by user %s through mdebot.", label, user)})
	if err != nil {
		return h.failed(log, "resolve", id, user, err)
	}
	log.Info("alert resolved", "alert", id, "user", user, "classification", class)
	return fmt.Sprintf("Alert %s is resolved as %s in Defender. Its message shows it after the next poll.", id, strings.ToLower(label))
}

// check refuses a click by someone who is not a responder now, or on a malformed alert id.
func (h *AlertButtons) check(ctx context.Context, log *slog.Logger, user, id string) string {
	if !alertIDRe.MatchString(id) {
		return "This button does not name an alert; nothing was changed."
	}
	ok, err := h.Roles.Has(ctx, user, commands.Responder)
	if err != nil {
		log.Error("role check failed", "user", user, "err", err)
		return "Your permissions could not be checked right now, so nothing was changed. Try again in a minute."
	}
	if !ok {
		log.Info("alert button refused", "user", user, "alert", id)
		return "Only responders may change alerts from Slack; nothing was changed. Ask the bot's administrator if you should be one."
	}
	return ""
}

// upn maps the Slack user to the address MDE takes as assignee: the profile's e-mail address.
func (h *AlertButtons) upn(ctx context.Context, log *slog.Logger, user string) (string, string) {
	u, err := h.Users.GetUserInfoContext(ctx, user)
	if err != nil {
		log.Warn("users.info failed", "user", user, "err", err)
		return "", "Your Slack profile could not be read, so the alert was not assigned. Try again in a minute."
	}
	email := strings.TrimSpace(u.Profile.Email)
	if u.Deleted || u.IsBot || !strings.Contains(email, "@") {
		return "", "Your Slack profile shows no e-mail address (the bot may lack the users:read.email scope), so the alert cannot be assigned to you in Defender. Assign it in the portal instead."
	}
	return email, ""
}

// failed logs an MDE error and says what went wrong in the user's words.
func (h *AlertButtons) failed(log *slog.Logger, what, id, user string, err error) string {
	ref := commands.NewRef()
	if errors.Is(err, defender.ErrNotFound) {
		return "Defender has no alert " + id + " (it may be outside the retention period); nothing was changed."
	}
	log.Error("alert update failed", "action", what, "alert", id, "user", user, "ref", ref, "err", err)
	return commands.ErrorMessage(err, ref)
}

// clickTimeout bounds the work of one click.
const clickTimeout = 30 * time.Second
