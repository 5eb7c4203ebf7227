package render

import (
	"strings"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

// msgBuilder collects the blocks of one message. Its methods add blocks from text that is already
// escaped (the callers escape every piece of data) and format the values views share.
type msgBuilder struct {
	now         time.Time
	blocks      []slack.Block
	attachments []slack.Attachment
	// cut is set when the message shows less than the response holds (a hunting table with
	// rows, columns or cells left out), so the runtime attaches the response's file.
	cut bool
	// portal is the last portal URL parsed (see portalBase).
	portal parsedPortal
	// devices are device names escaped for digest lines (see device).
	devices map[string]string
}

// field is one label and value of a section's fields; value is escaped mrkdwn.
type field struct {
	label string
	value string
}

func (b *msgBuilder) add(blk slack.Block) { b.blocks = append(b.blocks, blk) }

// mrkdwn returns a verbatim mrkdwn text object: Slack does not turn URLs, channel names or
// mentions in it into links on its own.
func (b *msgBuilder) mrkdwn(text string) *slack.TextBlockObject {
	return &slack.TextBlockObject{Type: slack.MarkdownType, Text: text, Verbatim: true}
}

// plain returns a plain_text object holding untrusted text cut to limit.
func (b *msgBuilder) plain(text string, limit int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, commands.Plain(text, limit), true, false)
}

// header adds a header block with untrusted text.
func (b *msgBuilder) header(text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	b.add(slack.NewHeaderBlock(b.plain(text, limitHeader)))
}

// section adds a section of escaped mrkdwn.
func (b *msgBuilder) section(text string) {
	if text == "" {
		return
	}
	b.add(slack.NewSectionBlock(b.mrkdwn(text), nil, nil))
}

// fields adds a section of label/value pairs, leaving out empty values.
func (b *msgBuilder) fields(fs ...field) {
	var objs []*slack.TextBlockObject
	for _, f := range fs {
		if f.value == "" || len(objs) == limitFields {
			continue
		}
		text := "*" + f.label + "*\n" + f.value
		objs = append(objs, b.mrkdwn(text))
	}
	if len(objs) > 0 {
		b.add(slack.NewSectionBlock(nil, objs, nil))
	}
}

// context adds a context block with one element per piece of escaped mrkdwn.
func (b *msgBuilder) context(texts ...string) {
	var elems []slack.MixedElement
	for _, t := range texts {
		if t != "" && len(elems) < limitContext {
			elems = append(elems, b.mrkdwn(t))
		}
	}
	if len(elems) > 0 {
		b.add(slack.NewContextBlock("", elems...))
	}
}

// actions adds an actions block holding the buttons that are not nil.
func (b *msgBuilder) actions(blockID string, buttons ...*slack.ButtonBlockElement) {
	var elems []slack.BlockElement
	for _, btn := range buttons {
		if btn != nil && len(elems) < limitActions {
			elems = append(elems, btn)
		}
	}
	if len(elems) > 0 {
		b.add(slack.NewActionBlock(blockID, elems...))
	}
}

// runButton is a button that runs command as the user who clicks it, or nil when the command is
// too long for a button value.
func (b *msgBuilder) runButton(label, command string) *slack.ButtonBlockElement {
	if command == "" || len(command) > limitValue {
		return nil
	}
	return slack.NewButtonBlockElement(ActionRun, command, b.plain(label, limitButtonText))
}

// linkButton is a button that opens url, or nil without a url.
func (b *msgBuilder) linkButton(label, url string) *slack.ButtonBlockElement {
	if url == "" || len(url) > limitURL {
		return nil
	}
	btn := slack.NewButtonBlockElement(ActionLink, "", b.plain(label, limitButtonText))
	return btn.WithURL(url)
}

// packed adds items (escaped mrkdwn, one or more lines each) under an optional title, as few
// sections as they fit in, within budget characters and maxBlocks sections. It returns how many
// items it showed; the rest were left out whole.
func (b *msgBuilder) packed(title string, items []string, budget, maxBlocks int) int {
	var cur strings.Builder
	if title != "" {
		cur.WriteString(title)
	}
	used, blocks, shown := 0, 0, 0
	flush := func() {
		if cur.Len() > 0 {
			b.section(cur.String())
			used += textLen(cur.String())
			blocks++
			cur.Reset()
		}
	}
	for _, item := range items {
		item = commands.Truncate(item, limitSection-1)
		n := textLen(item)
		if cur.Len() > 0 && textLen(cur.String())+1+n > limitSection {
			flush()
		}
		if blocks >= maxBlocks || used+textLen(cur.String())+1+n > budget {
			break
		}
		if cur.Len() > 0 {
			cur.WriteByte('\n')
		}
		cur.WriteString(item)
		shown++
	}
	flush()
	return shown
}
