package socket

import (
	"context"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mdebot/mdebot/bot/interact"
	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

// A request that has not answered within Options.ProgressAfter shows a "working on it" note:
// the verb, the target, since when. The answer then replaces it where Slack allows, so the user
// never looks at silence and never at a stale note.
//
// Slack's rules for the response_url ("Handling user interaction in your Slack apps",
// api.slack.com/interactivity/handling; the reference notes, section 2): a response_url takes
// up to 5 posts within 30 minutes; replace_original replaces the message the interaction came
// from. For a slash command that is the message the command itself produced (its earlier
// ephemeral response), so a slash command's note is replaced by the answer. For a click it is
// the message the button is on (an alert, an approval card), which must never be replaced: a
// click's note stays and the answer follows it. Without a response_url (a modal submission) the
// note is a chat.postEphemeral message, which cannot be edited, and the answer follows it too.
//
// The budget of 5 posts: one note at ProgressAfter, for a slow request (a hunt) at most two more
// that say how long it has run, then the answer: 4 in all.

// ProgressBlockID is the block id of a progress note, so that a reader (or a test) can tell a
// note from an answer.
const ProgressBlockID = "mde_progress"

// DefaultProgressAfter is how long a request may run before it shows a note.
const DefaultProgressAfter = 2 * time.Second

// slowNotesAt are the times, after the request arrived, at which a slow request's note is
// brought up to date (after the first one at ProgressAfter).
var slowNotesAt = []time.Duration{30 * time.Second, 2 * time.Minute}

// progress is the note of one request.
type progress struct {
	b     *Bot
	to    interact.Reply
	slash bool   // to.ResponseURL belongs to a slash command: the answer can replace the note
	what  string // verb and target, escaped mrkdwn
	since time.Time
	slow  bool

	mu    sync.Mutex
	timer *time.Timer
	shown int
	done  bool
}

// watch arms the note of job j, which arrived now; ctx bounds nothing but carries the values of
// the bot's context to the posts.
func (b *Bot) watch(ctx context.Context, j *job, slash bool) {
	p := &progress{b: b, to: j.reply(), slash: slash && j.responseURL != "", what: describe(j.req.Text),
		since: b.opts.Now(), slow: j.lane == Slow}
	j.progress = p
	ctx = context.WithoutCancel(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.timer = time.AfterFunc(b.opts.ProgressAfter, func() { p.tick(ctx) })
}

// tick posts or brings up to date the note, unless the answer came first.
func (p *progress) tick(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	to := p.to
	to.Replace = p.slash && p.shown > 0
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p.b.responder.Respond(ctx, to, p.note(), false)
	p.shown++
	if p.slow && p.shown <= len(slowNotesAt) {
		wait := slowNotesAt[p.shown-1] - p.b.opts.Now().Sub(p.since)
		p.timer = time.AfterFunc(max(wait, time.Second), func() { p.tick(ctx) })
	}
}

// finish stops the note and says whether the answer should replace it. A note being posted is
// waited for, so that the answer always comes after it.
func (p *progress) finish() (replace bool) {
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = true
	if p.timer != nil {
		p.timer.Stop()
	}
	return p.slash && p.shown > 0
}

// note is the text of the note now.
func (p *progress) note() render.Message {
	since := p.since.UTC().Format("15:04:05") + " UTC"
	var text string
	if p.slow && p.shown > 0 {
		ran := p.b.opts.Now().Sub(p.since).Round(time.Second)
		text = "Still working on " + p.what + ": it has run for " + ran.String() + " (since " + since + ")."
	} else {
		text = "Working on it: " + p.what + ", since " + since + "."
	}
	if p.slash {
		text += " The answer will replace this note."
	} else {
		text += " The answer will follow."
	}
	block := slack.NewContextBlock(ProgressBlockID, slack.NewTextBlockObject(slack.MarkdownType, ":hourglass_flowing_sand: "+text, false, false))
	return render.Message{Text: text, Blocks: []slack.Block{block}}
}

// describe is the verb and target of a command's text, as escaped mrkdwn: `hunt DeviceEvents…`.
func describe(text string) string {
	f := strings.Fields(text)
	if len(f) == 0 {
		return "your request"
	}
	what := f[0]
	if len(f) > 1 {
		what += " " + f[1]
	}
	if utf8.RuneCountInString(what) > 60 {
		what = string([]rune(what)[:60]) + "…"
	}
	return "*" + commands.EscapeMrkdwn(strings.ReplaceAll(what, "*", "")) + "*"
}
