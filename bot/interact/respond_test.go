package interact

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/slack-go/slack"
)

// An answer that replaces a message through the response_url gets new block_ids for its
// interactive blocks, each time, as a chat.update does; an answer that adds a message keeps
// them.
func TestRespondReplaceRevisesBlockIDs(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var bodies []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b map[string]any
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			t.Errorf("response_url body: %v", err)
		}
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	r := Responder{HTTP: srv.Client(), Log: slog.New(slog.DiscardHandler)}
	msg := func() render.Message {
		btn := slack.NewButtonBlockElement("mde_pick", "v", slack.NewTextBlockObject(slack.PlainTextType, "Pick", false, false))
		return render.Message{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("mde_choice", btn)}}
	}
	blockID := func(i int) string {
		mu.Lock()
		defer mu.Unlock()
		blocks, _ := bodies[i]["blocks"].([]any)
		if len(blocks) != 1 {
			t.Fatalf("post %d: blocks = %v", i, bodies[i]["blocks"])
		}
		id, _ := blocks[0].(map[string]any)["block_id"].(string)
		return id
	}
	to := Reply{UserID: "U1", ChannelID: "C1", ResponseURL: srv.URL + "/commands/1"}
	r.Respond(t.Context(), to, msg(), false)
	to.Replace = true
	r.Respond(t.Context(), to, msg(), false)
	r.Respond(t.Context(), to, msg(), false)
	if got := blockID(0); got != "mde_choice" {
		t.Errorf("a new message's block_id = %q, want it unchanged", got)
	}
	first, second := blockID(1), blockID(2)
	if !strings.HasPrefix(first, "mde_choice~") || !strings.HasPrefix(second, "mde_choice~") || first == second {
		t.Errorf("replacing block_ids = %q, %q: want mde_choice~<new revision> each time", first, second)
	}
	if bodies[1]["replace_original"] != true {
		t.Errorf("replace_original = %v", bodies[1]["replace_original"])
	}
}
