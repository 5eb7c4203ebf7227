package render

import (
	"strconv"

	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

// fitLimits makes a finished message obey Slack's limits whatever the views did: text is cut,
// extra fields, elements and blocks are dropped (with a note), buttons whose value or URL is too
// long are dropped, and every block with a button gets a unique block_id. It returns how many
// changes it made; the views keep to the limits themselves, so the tests expect zero.
func fitLimits(r *Message) int {
	f := &limitFitter{ids: make(map[string]bool)}
	if textLen(r.Text) > limitText {
		r.Text = commands.Truncate(r.Text, limitText)
		f.changes++
	}
	r.Blocks = f.blocks(r.Blocks)
	total := len(r.Blocks)
	for i := range r.Attachments {
		set := f.blocks(r.Attachments[i].Blocks.BlockSet)
		r.Attachments[i].Blocks.BlockSet = set
		total += len(set)
	}
	if total <= limitBlocks {
		return f.changes
	}
	f.changes++
	excess := total - (limitBlocks - 1)
	for i := len(r.Attachments) - 1; i >= 0 && excess > 0; i-- {
		set := r.Attachments[i].Blocks.BlockSet
		cut := min(excess, len(set))
		r.Attachments[i].Blocks.BlockSet = set[:len(set)-cut]
		excess -= cut
	}
	r.Blocks = r.Blocks[:len(r.Blocks)-excess]
	note := "Part of this message was left out to fit Slack's limits."
	r.Blocks = append(r.Blocks, slack.NewContextBlock("", &slack.TextBlockObject{Type: slack.MarkdownType, Text: note, Verbatim: true}))
	return f.changes
}

// limitFitter carries the state of one fitLimits pass.
type limitFitter struct {
	changes int
	ids     map[string]bool
	next    int
}

func (f *limitFitter) blocks(in []slack.Block) []slack.Block {
	out := in[:0]
	for _, blk := range in {
		if f.block(blk) {
			out = append(out, blk)
		} else {
			f.changes++
		}
	}
	return out
}

// block fits one block and reports whether it should be kept.
func (f *limitFitter) block(blk slack.Block) bool {
	switch x := blk.(type) {
	case *slack.HeaderBlock:
		f.text(x.Text, limitHeader)
		return x.Text != nil && x.Text.Text != ""
	case *slack.SectionBlock:
		f.text(x.Text, limitSection)
		if len(x.Fields) > limitFields {
			x.Fields = x.Fields[:limitFields]
			f.changes++
		}
		for _, t := range x.Fields {
			f.text(t, limitField)
		}
		if x.Accessory != nil && x.Accessory.ButtonElement != nil {
			if !f.button(x.Accessory.ButtonElement) {
				x.Accessory = nil
				f.changes++
			}
			x.BlockID = f.id(x.BlockID)
		}
		return x.Text != nil && x.Text.Text != "" || len(x.Fields) > 0
	case *slack.ContextBlock:
		els := x.ContextElements.Elements
		if len(els) > limitContext {
			x.ContextElements.Elements = els[:limitContext]
			f.changes++
		}
		for _, e := range x.ContextElements.Elements {
			if t, ok := e.(*slack.TextBlockObject); ok {
				f.text(t, limitSection)
			}
		}
		return len(x.ContextElements.Elements) > 0
	case *slack.ActionBlock:
		return f.actionBlock(x)
	}
	return true
}

func (f *limitFitter) actionBlock(x *slack.ActionBlock) bool {
	if x.Elements == nil {
		return false
	}
	var keep []slack.BlockElement
	for _, e := range x.Elements.ElementSet {
		if btn, ok := e.(*slack.ButtonBlockElement); ok && !f.button(btn) {
			f.changes++
			continue
		}
		keep = append(keep, e)
	}
	if len(keep) > limitActions {
		keep = keep[:limitActions]
		f.changes++
	}
	x.Elements.ElementSet = keep
	x.BlockID = f.id(x.BlockID)
	return len(keep) > 0
}

// button fits a button's text and reports whether its value and URL fit.
func (f *limitFitter) button(btn *slack.ButtonBlockElement) bool {
	f.text(btn.Text, limitButtonText)
	return btn.Text != nil && btn.Text.Text != "" && len(btn.Value) <= limitValue && len(btn.URL) <= limitURL
}

// text cuts a text object to limit.
func (f *limitFitter) text(t *slack.TextBlockObject, limit int) {
	if t != nil && textLen(t.Text) > limit {
		t.Text = commands.Truncate(t.Text, limit)
		f.changes++
	}
}

// id returns id, or a new one when it is empty or already used in the message.
func (f *limitFitter) id(id string) string {
	if id == "" || f.ids[id] || len(id) > 255 {
		if id != "" {
			f.changes++
		}
		for {
			f.next++
			id = "mde_block_" + strconv.Itoa(f.next)
			if !f.ids[id] {
				break
			}
		}
	}
	f.ids[id] = true
	return id
}
