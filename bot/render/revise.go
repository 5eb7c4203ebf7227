package render

import (
	"crypto/rand"
	"strings"

	"github.com/slack-go/slack"
)

// Slack keeps what a person selected or typed in a message's interactive blocks across an edit
// as long as the block keeps its block_id: "block_id should be unique for each message and each
// iteration of a message. If a message is updated, use a new block_id." (docs.slack.dev,
// @slack/types, interface Block, block_id). Every chat.update therefore goes through Revise.

// revisionSep separates a block's own id from the revision Revise gives it.
const revisionSep = "~"

// NewRevision returns a fresh revision token for one edit of a message: 12 random base32
// characters, unique across replicas without coordination.
func NewRevision() string { return rand.Text()[:12] }

// Revise gives every interactive block of m (actions, a section with an accessory, inputs) a
// block_id of its own id followed by rev, so that the edited message has new block_ids, and
// returns m. An earlier revision in the id is replaced, not stacked.
func Revise(m Message, rev string) Message {
	revise := func(blocks []slack.Block) {
		for _, b := range blocks {
			switch x := b.(type) {
			case *slack.ActionBlock:
				x.BlockID = revisedID(x.BlockID, rev)
			case *slack.SectionBlock:
				if x.Accessory != nil {
					x.BlockID = revisedID(x.BlockID, rev)
				}
			case *slack.InputBlock:
				x.BlockID = revisedID(x.BlockID, rev)
			}
		}
	}
	revise(m.Blocks)
	for i := range m.Attachments {
		revise(m.Attachments[i].Blocks.BlockSet)
	}
	return m
}

func revisedID(id, rev string) string {
	base, _, _ := strings.Cut(id, revisionSep)
	if max := 255 - len(revisionSep) - len(rev); len(base) > max {
		base = base[:max]
	}
	return base + revisionSep + rev
}
