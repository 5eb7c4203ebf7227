package render

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/slack-go/slack"
)

// Button action ids of the approval card; their values carry only the request id.
const (
	ActionApprove = "mde_approve"
	ActionDeny    = "mde_deny"
	ActionCancel  = "mde_cancel"
)

// slackUserID matches the user ids the cards mention; anything else is shown as code.
var slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)

// ApprovalCard renders an approval card.
func ApprovalCard(v commands.ApprovalView, now time.Time) Message {
	return Response(commands.Response{View: v}, now)
}

// approvalCard renders an approval card: who asks what and why, until when, the tally, the
// blast-radius preview, then the decision and the Defender action it made.
func (b *msgBuilder) approvalCard(v commands.ApprovalView) string {
	ap := v.Approval
	r := ap.Request
	title := b.cardTitle(ap)
	b.header(title)
	what := "*" + b.inline(r.Verb, 30) + "*"
	if r.Option != "" {
		what += " (" + b.inline(r.Option, 80) + ")"
	}
	switch {
	case r.Verb == "quarantine":
		what += " of " + b.code(r.SHA1, 64) + " on " + b.code(r.MachineName, 200)
	case ap.Target() != "":
		what += " on " + b.code(ap.Target(), 300)
	}
	b.section("*Requested by* " + b.user(ap.Requester) + "\n*Action* " + what +
		"\n*Reason* " + commands.Truncate(commands.EscapeMrkdwn(commands.Truncate(r.Reason, 1000)), 2000))
	fs := []field{{"Approvals", b.tally(ap)}, {b.untilLabel(ap), b.when(b.untilTime(ap))}}
	if r.Rule != "" { // no "Policy —" line when no special rule applied
		fs = append(fs, field{"Policy", b.inline(r.Rule, 200)})
	}
	b.fields(append(fs, field{"Request", b.code(ap.ID, 40)})...)
	b.section(b.containLine(ap))
	b.preview(v)
	b.outcome(v)
	b.context(b.join("Request "+b.code(ap.ID, 40), "asked "+b.when(ap.Created), "mdebot"))
	return title
}

// cardTitle is the header: the state in one word, then what and where.
func (b *msgBuilder) cardTitle(ap commands.Approval) string {
	what := ap.Request.Verb + " " + ap.Target()
	switch ap.State {
	case commands.ApprovalPending:
		return "🔐 Approval needed: " + what
	case commands.ApprovalApproved, commands.ApprovalExecuting:
		return "▶️ Approved: " + what
	case commands.ApprovalDenied:
		return "👎 Denied: " + what
	case commands.ApprovalExpired:
		return "⌛ Expired: " + what
	case commands.ApprovalFailed:
		return "❌ Failed: " + what
	}
	switch defender.ActionStatus(ap.ActionStatus) {
	case defender.ActionSucceeded:
		return "✅ Done: " + what
	case defender.ActionFailed:
		return "❌ Failed in Defender: " + what
	case defender.ActionTimeOut:
		return "⌛ Timed out in Defender: " + what
	case defender.ActionCancelled:
		return "🚫 Cancelled: " + what
	}
	return "⏳ Running: " + what
}

// tally says in words where the votes stand: "needs 1 approval", "1 of 2 given: @U2 · needs 1
// more approval", "1 of 1 given: @U2".
func (b *msgBuilder) tally(ap commands.Approval) string {
	if ap.Required == 0 {
		return "none needed (policy)"
	}
	voters := make([]string, 0, len(ap.Votes))
	for _, v := range ap.Votes {
		voters = append(voters, b.user(v.User))
	}
	var parts []string
	if len(voters) > 0 {
		parts = append(parts, strconv.Itoa(len(ap.Votes))+" of "+strconv.Itoa(ap.Required)+" given: "+strings.Join(voters, ", "))
	}
	if left := ap.Required - len(ap.Votes); left > 0 && ap.State == commands.ApprovalPending {
		more := ""
		if len(voters) > 0 {
			more = " more"
		}
		noun := " approval"
		if left > 1 {
			noun = " approvals"
		}
		parts = append(parts, "needs "+strconv.Itoa(left)+more+noun)
	}
	if len(parts) == 0 {
		return "none given"
	}
	return strings.Join(parts, " · ")
}

func (b *msgBuilder) untilLabel(ap commands.Approval) string {
	if ap.State == commands.ApprovalPending {
		return "Open until"
	}
	return "Decided"
}

func (b *msgBuilder) untilTime(ap commands.Approval) time.Time {
	if ap.State == commands.ApprovalPending || ap.DecidedAt.IsZero() {
		return ap.Expires
	}
	return ap.DecidedAt
}

// outcome renders the decision and, once run, the Defender action with its buttons.
func (b *msgBuilder) outcome(v commands.ApprovalView) {
	ap := v.Approval
	switch ap.State {
	case commands.ApprovalPending:
		approve := slack.NewButtonBlockElement(ActionApprove, ap.ID, b.plain("Approve", limitButtonText)).WithStyle(slack.StylePrimary)
		deny := slack.NewButtonBlockElement(ActionDeny, ap.ID, b.plain("Deny", limitButtonText)).WithStyle(slack.StyleDanger)
		b.actions("mde_decide", approve, deny)
		b.context("Approvers other than the requester decide. The request expires " + b.ago(ap.Expires) + " and then never runs.")
	case commands.ApprovalDenied:
		b.section("👎 *Denied* by " + b.user(ap.DecidedBy) + " " + b.when(ap.DecidedAt) + "\n" + b.inline(ap.Reason, 500))
	case commands.ApprovalExpired:
		b.section("⌛ *Expired* " + b.when(ap.DecidedAt) + " with " + strconv.Itoa(len(ap.Votes)) + " of " +
			strconv.Itoa(ap.Required) + " approvals. It will never run.")
	case commands.ApprovalApproved, commands.ApprovalExecuting:
		b.section("▶️ *Approved*; sending it to Defender.")
	case commands.ApprovalFailed:
		b.section("❌ *Not done:* " + b.inline(ap.Result, 800))
	case commands.ApprovalDone:
		b.done(v)
	}
}

// done renders a request that ran: the Defender action and its status, and Cancel while it can.
func (b *msgBuilder) done(v commands.ApprovalView) {
	ap := v.Approval
	if !b.isMachineAction(ap) {
		b.section("✅ *Done:* " + b.inline(ap.Result, 800))
		return
	}
	status := defender.ActionStatus(ap.ActionStatus)
	line := b.actionEmoji(status) + " *Defender action* " + b.code(ap.ActionID, 60) + " · " + b.or(b.inline(ap.ActionStatus, 30))
	if !ap.FinishedAt.IsZero() {
		line += " · " + b.when(ap.FinishedAt)
	}
	if ap.AlreadyPending {
		line += "\nDefender already had this action pending on the device, so nothing new was sent; this card follows that action."
	}
	if ap.CancelBy != "" {
		line += "\n🚫 Cancel asked by " + b.user(ap.CancelBy) + ": " + b.inline(ap.CancelReason, 300)
	}
	b.section(line)
	var cancel *slack.ButtonBlockElement
	if ap.Cancellable() {
		cancel = slack.NewButtonBlockElement(ActionCancel, ap.ID, b.plain("Cancel", limitButtonText)).WithStyle(slack.StyleDanger)
	}
	b.actions("mde_action", cancel, b.linkButton("Open device in portal", b.portalURL(v.PortalURL, "machines", ap.Request.MachineID)))
}

func (b *msgBuilder) isMachineAction(ap commands.Approval) bool {
	switch ap.Request.Verb {
	case "isolate", "release", "restrict", "unrestrict", "scan", "collect", "quarantine":
		return true
	}
	return false
}

// user mentions a Slack user id, or shows anything else as code.
func (b *msgBuilder) user(id string) string {
	if slackUserID.MatchString(id) {
		return "<@" + id + ">"
	}
	return b.or(b.code(id, 40))
}

// ActionFinished says in escaped mrkdwn that Defender finished a request's action, and how.
func ActionFinished(ap commands.Approval) string {
	b := &msgBuilder{}
	return b.actionEmoji(defender.ActionStatus(ap.ActionStatus)) + " Defender finished " + commands.EscapeMrkdwn(ap.Request.Verb) +
		" on " + b.code(ap.Target(), 200) + ": " + commands.EscapeMrkdwn(ap.ActionStatus) + "."
}

// PackageReady says in escaped mrkdwn that a collection's investigation package is ready, with
// its short-lived download link when the link fits Slack.
func PackageReady(p commands.Progress, now time.Time) string {
	b := &msgBuilder{now: now.UTC()}
	until := "It is short-lived; ask `action " + p.Approval.ActionID + "` for the status and collect again if it lapsed."
	if !p.PackageExpires.IsZero() {
		until = "It works until " + b.when(p.PackageExpires) + ", then collect again."
	}
	link := b.link(p.PackageURL, "download the investigation package", 100)
	if len(p.PackageURL) > limitURL || strings.ContainsAny(p.PackageURL, "<>| ") {
		link = "the link is too long for Slack; use the Defender portal"
	}
	return "The investigation package is ready: " + link + ". " + until
}

// Mention is a user id as a Slack Mention.
func Mention(id string) string { return (&msgBuilder{}).user(id) }
