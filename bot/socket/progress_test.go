package socket

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

// memPosts is an in-memory response_url endpoint: every post, with the bubble's time.
type memPosts struct {
	mu    sync.Mutex
	posts []slack.WebhookMessage
	at    []time.Time
}

func (m *memPosts) RoundTrip(r *http.Request) (*http.Response, error) {
	var msg slack.WebhookMessage
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &msg)
	m.mu.Lock()
	m.posts = append(m.posts, msg)
	m.at = append(m.at, time.Now())
	m.mu.Unlock()
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Header: http.Header{}}, nil
}

// sleepVerb answers after d.
func sleepVerb(name string, d, timeout time.Duration) *commands.Verb {
	return &commands.Verb{Name: name, Role: commands.Viewer, Timeout: timeout, Run: func(ctx context.Context, c *commands.Call) (commands.Response, error) {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
		return commands.Response{Text: name + " answered"}, nil
	}}
}

// A command that has not answered within 2 s shows a note (verb, target, since when) that its
// answer replaces; a hunt's note says how long it has run; a quick command shows none. All within
// Slack's 5 posts per response_url.
func TestProgressNotes(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		mem := &memPosts{}
		events, acker := newBubbleBot(t, &fakeAPI{}, Options{HTTPClient: &http.Client{Transport: mem}}, func(*Bot) {},
			sleepVerb("quick", time.Second, 0), sleepVerb("machine", 5*time.Second, 0), sleepVerb("hunt", 150*time.Second, 4*time.Minute))
		start := time.Now()
		for i, text := range []string{"quick x", "machine ws-fin-01", "hunt DeviceEvents | take 5"} {
			ev := slashEvent("E"+itoa(i), "U"+itoa(i), text)
			sc := ev.Data.(slack.SlashCommand)
			sc.ResponseURL = "https://hooks.slack.com/commands/" + itoa(i)
			ev.Data = sc
			events <- ev
			<-acker.acks
		}
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		mem.mu.Lock()
		defer mem.mu.Unlock()
		byText := func(sub string) []int {
			var out []int
			for i, p := range mem.posts {
				if strings.Contains(p.Text, sub) {
					out = append(out, i)
				}
			}
			return out
		}
		if q := byText("quick"); len(q) != 1 || mem.posts[q[0]].ReplaceOriginal {
			t.Errorf("quick command: %d posts, want its answer alone", len(q))
		}
		m := byText("machine")
		if len(m) != 2 {
			t.Fatalf("machine: %d posts, want a note and the answer", len(m))
		}
		note, ans := mem.posts[m[0]], mem.posts[m[1]]
		if !strings.Contains(note.Text, "Working on it: *machine ws-fin-01*, since "+start.UTC().Format("15:04:05")+" UTC") ||
			note.ReplaceOriginal || !strings.Contains(string(mustJSON(note.Blocks)), ProgressBlockID) {
			t.Errorf("note = %+v", note)
		}
		if d := mem.at[m[0]].Sub(start); d != DefaultProgressAfter {
			t.Errorf("note after %v, want %v", d, DefaultProgressAfter)
		}
		if ans.Text != "machine answered" || !ans.ReplaceOriginal {
			t.Errorf("answer = %+v, want it to replace the note", ans)
		}
		h := byText("hunt")
		if len(h) != 4 || len(h) > 5 {
			t.Fatalf("hunt: %d posts, want 3 notes and the answer", len(h))
		}
		if !strings.Contains(mem.posts[h[1]].Text, "it has run for 30s") || !strings.Contains(mem.posts[h[2]].Text, "it has run for 2m0s") ||
			!mem.posts[h[1]].ReplaceOriginal || !mem.posts[h[3]].ReplaceOriginal || mem.posts[h[3]].Text != "hunt answered" {
			t.Errorf("hunt posts: %q / %q / %q", mem.posts[h[1]].Text, mem.posts[h[2]].Text, mem.posts[h[3]].Text)
		}
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
