package main

import (
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
)

// `hunt` answers privately, and the full result it cannot show goes to the requester in a direct
// message, never into the channel the command was typed in.
func TestHuntResultStaysPrivate(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	env, err := s.slack.SlashCommand(t.Context(), slackfake.SlashCommand{UserID: "U0RESP", ChannelID: "C0GENERAL",
		Text: `hunt DeviceProcessEvents | where FileName =~ "powershell.exe" | take 50`})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.slack.WaitFor(t.Context(), func(sn *slackfake.Snapshot) bool { return len(answers(sn, env.ID)) > 0 })
	if err != nil {
		t.Fatal(err)
	}
	if p := answers(snap, env.ID)[0]; p.ResponseType != "" && p.ResponseType != "ephemeral" {
		t.Fatalf("the table itself was posted %s", p.ResponseType)
	}
	snap, err = s.slack.WaitFor(t.Context(), func(sn *slackfake.Snapshot) bool { return len(sn.Files) > 0 })
	if err != nil {
		t.Fatal(err)
	}
	if f := snap.Files[0]; len(f.Channels) != 1 || f.Channels[0] != "D0RESP" {
		t.Errorf("the full result went to %v, want the requester's direct message", f.Channels)
	}
	for _, f := range snap.Files {
		for _, ch := range f.Channels {
			if ch == "C0GENERAL" {
				t.Errorf("the private hunt's full result %q (%d bytes) was shared into channel %s for everyone", f.Name, len(f.Content), ch)
			}
		}
	}
}
