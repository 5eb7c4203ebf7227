package alerts

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/mdebot/mdebot/bot/interact"
	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/defender"
	"github.com/slack-go/slack"
)

// viewIsolateReason is the callback id of the modal that asks why a device should be isolated.
const viewIsolateReason = "alert_isolate_reason"

// isolateMeta is what the reason modal carries from the click to the submission.
type isolateMeta struct {
	MachineID string `json:"m"`
	AlertID   string `json:"a"`
	Channel   string `json:"c"`
}

// HandleIsolate wires the "Isolate device" button of alert messages into the approval flow:
// the click asks for a reason in a modal, and the submission runs `isolate <device> <reason>` as
// the person who submitted it (as structured arguments, never rebuilt command text), so the request meets the same role check, policy and approval
// card as the slash command. Nothing runs without an approval the policy asks for.
func HandleIsolate(h interact.Host) {
	// The runtime opens the modal at once: a trigger_id lasts 3 seconds.
	h.HandleModal(render.ActionAlertIsolate, func(cb slack.InteractionCallback, a slack.BlockAction) (interact.Modal, bool) {
		machine, alert, ok := strings.Cut(a.Value, "|")
		if !ok || !defender.IsMachineID(machine) || alert == "" {
			return interact.Modal{}, false // not a value this bot made
		}
		meta, _ := json.Marshal(isolateMeta{MachineID: machine, AlertID: alert, Channel: interact.ChannelOf(cb)})
		return interact.Modal{View: isolateModal(string(meta)),
			IfNotOpened: "The reason form could not be opened. Use `/mde isolate " + machine + " <reason>` instead."}, true
	})
	h.HandleView(viewIsolateReason, interact.ViewHandler{
		ErrorBlock: "reason",
		Validate: func(cb slack.InteractionCallback) map[string]string {
			if isolateReason(cb) == "" {
				return map[string]string{"reason": "Say why the device should be isolated."}
			}
			return nil
		},
		Run: func(ctx context.Context, cb slack.InteractionCallback) {
			var meta isolateMeta
			if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil || !defender.IsMachineID(meta.MachineID) {
				return
			}
			// Structured arguments: no text typed in the form can become an option.
			h.RunArgs(ctx, interact.Reply{UserID: cb.User.ID, ChannelID: meta.Channel},
				"isolate", meta.MachineID, isolateReason(cb)+" (alert "+meta.AlertID+")")
		},
	})
}

func isolateModal(meta string) slack.ModalViewRequest {
	input := slack.NewPlainTextInputBlockElement(slack.NewTextBlockObject(slack.PlainTextType, "Why isolate it?", false, false), "reason")
	input.Multiline = true
	input.MaxLength = 1000
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      viewIsolateReason,
		Title:           slack.NewTextBlockObject(slack.PlainTextType, "Isolate device", false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Request", false, false),
		Close:           slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		PrivateMetadata: meta,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType,
				"This asks for full isolation of the alert's device. It runs only once the approvers approve it.", false, false), nil, nil),
			slack.NewInputBlock("reason", slack.NewTextBlockObject(slack.PlainTextType, "Reason", false, false), nil, input),
		}},
	}
}

func isolateReason(cb slack.InteractionCallback) string {
	if cb.View.State == nil {
		return ""
	}
	return strings.TrimSpace(cb.View.State.Values["reason"]["reason"].Value)
}
