// Package render turns what mdebot has to say into Slack messages (Block Kit): command
// responses, alert messages and storm digests, approval cards, audit lines. It is pure: data and
// an injected clock in, a Message out, tested with golden files in testdata. It must not call
// Slack, Redis or MDE, and imports no other package under bot/: only commands and defender
// types and slack-go's Block Kit types.
package render

// Every piece of text that comes from a user or from MDE passes through commands.EscapeMrkdwn
// (mrkdwn), commands.EscapeCode (inside code spans and blocks) or commands.Plain (plain_text)
// before it reaches a block, and every mrkdwn text object is verbatim, so Slack neither links nor
// mentions anything on its own. Each view keeps itself inside Slack's limits; fitLimits checks the
// finished message once more and cuts whatever still does not fit.

import (
	"encoding/json"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

// Button action ids; the runtime dispatches clicks on them.
const (
	ActionMore = "mde_more" // value: JSON moreValue
	ActionRun  = "mde_run"  // value: the command text to run as the clicking user
	ActionLink = "mde_link" // a URL button; nothing to handle
)

// MoreValue is the value of a "more" button: the command to run again and where to start.
type MoreValue struct {
	Command string `json:"c"`
	Offset  int    `json:"o"`
}

// Message is a Slack message: fallback text, blocks, and attachments (used only where a
// colour bar is wanted, such as alert severity).
type Message struct {
	Text        string             `json:"text"`
	Blocks      []slack.Block      `json:"blocks,omitempty"`
	Attachments []slack.Attachment `json:"attachments,omitempty"`
	// Cut says the message shows less than the response holds; the response's file (the full
	// hunting result) is attached only then.
	Cut bool `json:"-"`
}

// Slack's limits (docs.slack.dev, Block Kit reference), and our own budget for the text of one
// message so that a long list or a large alert stays readable and far from msg_too_long.
const (
	limitBlocks     = 50
	limitSection    = 3000
	limitHeader     = 150
	limitFields     = 10
	limitField      = 2000
	limitContext    = 10
	limitActions    = 25
	limitButtonText = 75
	limitValue      = 2000
	limitURL        = 3000
	limitText       = 3000
	budgetMessage   = 12000
)

// narrowNote is what a list says when its continuation cannot be carried by a button.
const narrowNote = "Narrow the filters to see more."

// Response turns a command's answer into a Slack message. now is the time relative times ("3h
// ago") are counted from.
func Response(resp commands.Response, now time.Time) Message {
	b := &msgBuilder{now: now.UTC()}
	summary := b.view(resp)
	text := resp.Text
	if text == "" {
		text = summary
	}
	out := Message{
		Text:        commands.Truncate(b.escapeWithCode(text), limitText),
		Blocks:      b.blocks,
		Attachments: b.attachments,
		Cut:         b.cut,
	}
	fitLimits(&out)
	return out
}

// view renders resp's view into b and returns a one-line summary for the fallback text.
func (b *msgBuilder) view(resp commands.Response) string {
	switch v := resp.View.(type) {
	case commands.MachineView:
		return b.machineCard(v)
	case commands.MachineListView:
		return b.machineList(v)
	case commands.AlertView:
		return b.alertCard(v)
	case commands.AlertListView:
		return b.alertList(v)
	case commands.ActionView:
		return b.actionCard(v)
	case commands.ActionListView:
		return b.actionList(v)
	case commands.IndicatorListView:
		return b.indicatorList(v)
	case commands.EntityView:
		return b.entity(v)
	case commands.HuntView:
		return b.hunt(v, resp.File != nil)
	case commands.StatusView:
		return b.status(v)
	case commands.HelpView:
		return b.help(v)
	case commands.AuditView:
		return b.audit(v)
	case commands.ChoiceView:
		return b.choice(v)
	case commands.MuteListView:
		return b.muteList(v)
	case commands.ApprovalView:
		return b.approvalCard(v)
	}
	text := resp.Text
	if text == "" {
		text = "Done."
	}
	b.section(commands.Truncate(b.escapeWithCode(text), limitSection))
	return text
}

// choice renders a choice between several matches: the prompt, then one button per choice with
// its detail under it.
func (b *msgBuilder) choice(v commands.ChoiceView) string {
	const maxChoices = 20
	prompt := v.Prompt
	if prompt == "" {
		prompt = "Which one did you mean?"
	}
	b.section(commands.Truncate(commands.EscapeMrkdwn(prompt), limitSection))
	narrow := false
	for i, c := range v.Choices {
		if i == maxChoices {
			b.context(b.count(len(v.Choices)-maxChoices, "more match is", "more matches are") + " not shown; use a device ID.")
			break
		}
		label := c.Label
		if label == "" {
			label = "Choice " + b.num(int64(i+1))
		}
		detail := b.inline(c.Detail, 500)
		if len(c.Command) > limitValue {
			narrow = true
			b.context(commands.Truncate("*"+b.inline(label, 100)+"*  "+b.inline(c.Detail, 300), limitSection))
			continue
		}
		b.actions("mde_choice_"+b.num(int64(i)), b.runButton(label, c.Command))
		if detail != "" {
			b.context(detail)
		}
	}
	if narrow {
		b.context(narrowNote)
	}
	return prompt
}

// moreButton adds the button that asks for the next page of a list, or says to narrow the
// filters when the command is too long to travel in a button value.
func (b *msgBuilder) moreButton(m *commands.More, hidden int) {
	if m == nil {
		if hidden > 0 {
			b.context(b.count(hidden, "more item was", "more items were") + " left out to fit Slack. " + narrowNote)
		}
		return
	}
	v, err := json.Marshal(MoreValue{Command: m.Command, Offset: max(0, m.Offset-hidden)})
	if err != nil || len(v) > limitValue {
		b.context(narrowNote)
		return
	}
	btn := slack.NewButtonBlockElement(ActionMore, string(v), b.plain("More", limitButtonText))
	b.actions("mde_more", btn)
}

// Mrkdwn is a one-section message of escaped mrkdwn.
func Mrkdwn(text string) Message {
	return Message{Text: text, Blocks: []slack.Block{
		slack.NewSectionBlock(&slack.TextBlockObject{Type: slack.MarkdownType, Text: text, Verbatim: true}, nil, nil),
	}}
}
