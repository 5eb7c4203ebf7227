package socket

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func TestReplyFallsBackToEphemeral(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{}, echoVerb())
	h.events <- socketmode.Event{
		Type:    socketmode.EventTypeSlashCommand,
		Data:    slack.SlashCommand{UserID: "U1", ChannelID: "C1", Text: "echo", ResponseURL: h.srv.URL + "/gone/1"},
		Request: &socketmode.Request{EnvelopeID: "E1"},
	}
	h.ack()
	select {
	case got := <-h.api.posted:
		if got != "C1/U1" {
			t.Fatalf("ephemeral to %s", got)
		}
	case <-t.Context().Done():
		t.Fatal("no ephemeral fallback")
	}
}

// A hunting result is attached as a file only when the table in Slack does not show all of it;
// its contents are streamed from disk, and the file is removed once the reply is done, attached
// or not.
func TestHuntFileAttachedOnlyWhenCut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	huntVerb := func(rows int) *commands.Verb {
		return &commands.Verb{Name: "hunt" + itoa(rows), Role: commands.Viewer, Run: func(context.Context, *commands.Call) (commands.Response, error) {
			res := defender.HuntingResult{Schema: []defender.HuntingColumn{{Name: "A", Type: "String"}}}
			for i := range min(rows, 20) {
				res.Results = append(res.Results, map[string]any{"A": "row" + itoa(i)})
			}
			path := filepath.Join(dir, "hunt"+itoa(rows)+".csv")
			if err := os.WriteFile(path, []byte("A\n"+itoa(rows)+"\n"), 0o600); err != nil {
				return commands.Response{}, err
			}
			return commands.Response{Text: "t", View: commands.HuntView{Query: "q", Result: res, TotalRows: rows},
				File: &commands.File{Name: "hunt.csv", Path: path, Size: int64(len("A\n" + itoa(rows) + "\n"))}}, nil
		}}
	}
	h := newHarness(t, Options{}, huntVerb(3), huntVerb(25))
	h.slash("E1", "U1", "hunt3")
	h.ack()
	h.post()
	h.slash("E2", "U1", "hunt25")
	h.ack()
	h.post()
	h.api.mu.Lock()
	defer h.api.mu.Unlock()
	if len(h.api.uploads) != 1 || h.api.uploads[0].Filename != "hunt.csv" || h.api.uploads[0].Channel != "DU1" {
		t.Fatalf("uploads = %+v", h.api.uploads)
	}
	if len(h.api.uploaded) != 1 || h.api.uploaded[0] != "A\n25\n" {
		t.Errorf("uploaded contents = %q", h.api.uploaded)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("files left behind after the replies: %v", left)
	}
}
