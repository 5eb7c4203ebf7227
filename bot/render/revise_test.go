package render

import (
	"testing"

	"github.com/slack-go/slack"
)

// An edited message's interactive blocks get new block_ids, each edit its own, so that Slack
// does not carry an old selection over; other blocks keep theirs.
func TestReviseGivesNewBlockIDs(t *testing.T) {
	t.Parallel()
	build := func() Message {
		btn := slack.NewButtonBlockElement("approve", "req-1", slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false))
		return Message{Blocks: []slack.Block{
			slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "x", false, false), slack.HeaderBlockOptionBlockID("head")),
			slack.NewActionBlock("approval_actions", btn),
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "y", false, false), nil, slack.NewAccessory(btn), slack.SectionBlockOptionBlockID("sec")),
		}}
	}
	r1, r2 := NewRevision(), NewRevision()
	if r1 == r2 {
		t.Fatalf("two revisions are equal: %q", r1)
	}
	first := Revise(build(), r1)
	again := Revise(Revise(build(), r1), r2)
	ids := func(m Message) []string {
		return []string{m.Blocks[0].(*slack.HeaderBlock).BlockID, m.Blocks[1].(*slack.ActionBlock).BlockID, m.Blocks[2].(*slack.SectionBlock).BlockID}
	}
	a, b := ids(first), ids(again)
	if a[0] != "head" || b[0] != "head" {
		t.Errorf("a header's block_id changed: %q, %q", a[0], b[0])
	}
	for i := 1; i < 3; i++ {
		if a[i] == b[i] || a[i] == ids(build())[i] {
			t.Errorf("interactive block %d kept its block_id across edits: %q, %q", i, a[i], b[i])
		}
	}
	if b[1] != "approval_actions~"+r2 {
		t.Errorf("revised id = %q, want the earlier revision replaced", b[1])
	}
}
