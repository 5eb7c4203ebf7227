package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

// slackLimitViolations lists every Slack limit msg breaks.
func slackLimitViolations(msg Message) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if n := textLen(msg.Text); n > limitText || n == 0 {
		bad("message text of %d characters", n)
	}
	blocks := allBlocks(msg)
	if len(blocks) > limitBlocks {
		bad("%d blocks", len(blocks))
	}
	if len(msg.Blocks) == 0 {
		bad("no blocks")
	}
	ids := make(map[string]bool)
	checkText := func(what string, t *slack.TextBlockObject, limit int) {
		switch {
		case t == nil || t.Text == "":
			bad("%s: empty text", what)
		case textLen(t.Text) > limit:
			bad("%s: %d characters, more than %d", what, textLen(t.Text), limit)
		case t.Type == slack.MarkdownType && !t.Verbatim:
			bad("%s: mrkdwn that is not verbatim", what)
		}
	}
	for i, blk := range blocks {
		what := fmt.Sprintf("block %d (%s)", i, blk.BlockType())
		if id := blk.ID(); id != "" {
			if ids[id] || len(id) > 255 {
				bad("%s: block_id %q repeated or too long", what, id)
			}
			ids[id] = true
		}
		switch x := blk.(type) {
		case *slack.HeaderBlock:
			checkText(what, x.Text, limitHeader)
		case *slack.SectionBlock:
			if x.Text != nil {
				checkText(what, x.Text, limitSection)
			} else if len(x.Fields) == 0 {
				bad("%s: neither text nor fields", what)
			}
			if len(x.Fields) > limitFields {
				bad("%s: %d fields", what, len(x.Fields))
			}
			for _, f := range x.Fields {
				checkText(what+" field", f, limitField)
			}
		case *slack.ContextBlock:
			els := x.ContextElements.Elements
			if len(els) == 0 || len(els) > limitContext {
				bad("%s: %d elements", what, len(els))
			}
			for _, e := range els {
				if t, ok := e.(*slack.TextBlockObject); ok {
					checkText(what, t, limitSection)
				}
			}
		case *slack.ActionBlock:
			els := x.Elements.ElementSet
			if len(els) == 0 || len(els) > limitActions {
				bad("%s: %d elements", what, len(els))
			}
			if x.BlockID == "" {
				bad("%s: no block_id", what)
			}
			for _, e := range els {
				if btn, ok := e.(*slack.ButtonBlockElement); ok {
					checkText(what+" button", btn.Text, limitButtonText)
					if len(btn.Value) > limitValue || len(btn.URL) > limitURL {
						bad("%s: button value or URL too long", what)
					}
				}
			}
		}
	}
	return out
}

func TestFitLimitsCutsWhatDoesNotFit(t *testing.T) {
	t.Parallel()
	b := &msgBuilder{}
	long := strings.Repeat("x", 5000)
	var fields []*slack.TextBlockObject
	for range 15 {
		fields = append(fields, b.mrkdwn(long))
	}
	var ctx []slack.MixedElement
	for range 12 {
		ctx = append(ctx, b.mrkdwn(long))
	}
	var buttons []slack.BlockElement
	for i := range 30 {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionRun, fmt.Sprint(i), &slack.TextBlockObject{Type: slack.PlainTextType, Text: long}))
	}
	buttons = append(buttons, slack.NewButtonBlockElement(ActionRun, long, b.plain("too long", 75)))
	msg := Message{Text: long, Blocks: []slack.Block{
		slack.NewHeaderBlock(&slack.TextBlockObject{Type: slack.PlainTextType, Text: long}),
		slack.NewSectionBlock(b.mrkdwn(long), fields, nil),
		slack.NewContextBlock("", ctx...),
		slack.NewActionBlock("", buttons...),
		slack.NewActionBlock("", slack.NewButtonBlockElement(ActionRun, long, b.plain("only one", 75))),
	}}
	for range 60 {
		msg.Attachments = append(msg.Attachments, slack.Attachment{Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(b.mrkdwn("a"), nil, nil), slack.NewActionBlock("same", buttons[0]),
		}}})
	}
	if n := fitLimits(&msg); n == 0 {
		t.Fatal("fitLimits changed nothing")
	}
	if v := slackLimitViolations(msg); len(v) > 0 {
		t.Errorf("still over the limits: %v", v)
	}
	if len(msg.Blocks) != 5 || msg.Blocks[3].(*slack.ActionBlock).Elements.ElementSet[0].(*slack.ButtonBlockElement).Value != "0" {
		t.Errorf("blocks after fitting: %d, want the header, section, context, the first actions and the note", len(msg.Blocks))
	}
}

func TestFitLimitsKeepsWhatFits(t *testing.T) {
	t.Parallel()
	msg := Response(commands.Response{View: commands.AlertView{Alert: fxAlert(), PortalURL: fxPortal}}, renderNow())
	before := goldenText(t, msg)
	if n := fitLimits(&msg); n != 0 {
		t.Errorf("fitLimits made %d changes to a message that fits", n)
	}
	if after := goldenText(t, msg); after != before {
		t.Errorf("fitLimits changed a message that fits")
	}
}
