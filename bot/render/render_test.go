package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenJSON is the message as json.MarshalIndent writes it, decoded and written again without
// HTML escaping, so the golden files show &lt; and < as they are sent rather than as \u003c.
func goldenJSON(t *testing.T, msg Message) []byte {
	t.Helper()
	raw, err := json.MarshalIndent(msg, "", "  ")
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encode: %v", err)
	}
	return out.Bytes()
}

// TestRenderFixtures renders every fixture once and checks it: against its golden file, against
// every Slack limit (the property test, hostile fixtures included), without needing the final
// cut, with no markup from the data, and with buttons that fit and decode.
func TestRenderFixtures(t *testing.T) {
	t.Parallel()
	for _, fx := range renderFixtures() {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			msg := Response(fx.resp, renderNow())
			checkGolden(t, fx.name, msg)
			for _, v := range slackLimitViolations(msg) {
				t.Errorf("limit: %s", v)
			}
			checkFitsByItself(t, fx.resp)
			if n := shownTextLen(t, msg); n > 25000 {
				t.Errorf("%d characters of text; the views keep messages well under Slack's 40,000", n)
			}
			checkNoMarkupFromData(t, msg)
			checkButtons(t, fx.resp, msg)
		})
	}
}

// checkGolden compares msg with testdata/<name>.golden.json, or rewrites it with -update.
func checkGolden(t *testing.T, name string, msg Message) {
	t.Helper()
	got := goldenJSON(t, msg)
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -run TestRenderFixtures -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("differs from %s (-want +got):\n%s", path, diff)
	}
}

// checkFitsByItself checks that the view keeps to the limits without the final cut, which would
// otherwise chop text in the middle of its formatting.
func checkFitsByItself(t *testing.T, resp commands.Response) {
	t.Helper()
	b := &msgBuilder{now: renderNow()}
	b.view(resp)
	msg := Message{Blocks: b.blocks, Attachments: b.attachments}
	if n := fitLimits(&msg); n != 0 {
		t.Errorf("fitLimits made %d changes; the view should fit by itself", n)
	}
}

// checkNoMarkupFromData checks that no text Slack parses (mrkdwn and the message text) holds a
// mention, a broadcast, a channel link, formatting or a link that the data brought in. The only
// links are the portal's. plain_text is shown as it is and never parsed, so it is exempt.
func checkNoMarkupFromData(t *testing.T, msg Message) {
	t.Helper()
	raw, err := json.MarshalIndent(msg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<@", "<#", "<!"} {
		if bytes.Contains(raw, []byte(bad)) {
			t.Errorf("the JSON holds %q", bad)
		}
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	problem := markupChecker()
	walkParsedText(v, false, func(s string) {
		if p := problem(s); p != "" {
			t.Errorf("%s in %q", p, excerptAround(s, p))
		}
	})
}

// shownTextLen counts the characters of every text object and of the message text.
func shownTextLen(t *testing.T, msg Message) int {
	t.Helper()
	var v any
	if err := json.Unmarshal(goldenJSON(t, msg), &v); err != nil {
		t.Fatal(err)
	}
	n := 0
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && k == "text" {
					n += textLen(s)
				} else {
					walk(e)
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return n
}

// walkParsedText calls f with every string in v that Slack reads as markup: all but the text of
// plain_text objects, button values and URLs (checked by TestRenderButtons), and ids.
func walkParsedText(v any, plain bool, f func(string)) {
	switch x := v.(type) {
	case map[string]any:
		isPlain := x["type"] == "plain_text"
		for k, val := range x {
			switch k {
			case "value", "url", "block_id", "action_id", "type", "color":
				continue
			}
			walkParsedText(val, isPlain, f)
		}
	case []any:
		for _, e := range x {
			walkParsedText(e, plain, f)
		}
	case string:
		if !plain {
			f(x)
		}
	}
}

// markupChecker returns a function naming what is wrong with one parsed string, or "".
func markupChecker() func(s string) string {
	portalLink := regexp.MustCompile(`<https://security\.microsoft\.com/[^<>|\s]+\|[^<>]+>`)
	broadcastRe := regexp.MustCompile(`(?i)@(channel|here|everyone)`)
	codeRe := regexp.MustCompile("```[^`]*```|`[^`]*`")
	return func(s string) string {
		return markupProblem(s, portalLink, broadcastRe, codeRe)
	}
}

// markupProblem names what is wrong with s, or returns "". Formatting characters are allowed
// in code, where Slack shows them as they are; mentions and links nowhere.
func markupProblem(s string, portalLink, broadcastRe, codeRe *regexp.Regexp) string {
	rest := portalLink.ReplaceAllString(s, "")
	text := codeRe.ReplaceAllString(rest, "")
	switch {
	case strings.Contains(rest, "<"):
		return "<"
	case strings.Contains(rest, ">"):
		return ">"
	case broadcastRe.MatchString(s):
		return broadcastRe.FindString(s)
	case strings.Contains(text, "*pwn*"):
		return "*pwn*"
	case strings.Contains(text, "_it_"):
		return "_it_"
	case strings.Contains(text, "~st~"):
		return "~st~"
	}
	return ""
}

func excerptAround(s, sub string) string {
	i := max(0, strings.Index(s, sub)-40)
	return s[i:min(len(s), i+120)]
}

// checkButtons checks every button: a known action, a block_id, a value Slack accepts, and values
// that decode back to the command they carry.
func checkButtons(t *testing.T, resp commands.Response, msg Message) {
	t.Helper()
	runs := make(map[string]bool) // the commands run buttons may carry
	var more *commands.More
	switch v := resp.View.(type) {
	case commands.ChoiceView:
		for _, c := range v.Choices {
			runs[c.Command] = true
		}
	case commands.AlertView:
		runs["machine "+v.Alert.MachineID] = true
	case commands.AlertListView:
		more = v.More
	case commands.MachineListView:
		more = v.More
	case commands.ActionListView:
		more = v.More
	case commands.IndicatorListView:
		more = v.More
	case commands.AuditView:
		more = v.More
	}
	seenMore, seenRuns := false, 0
	forEachButton(msg, func(blockID string, btn *slack.ButtonBlockElement) {
		if blockID == "" {
			t.Errorf("a button without a block_id")
		}
		if len(btn.Value) > limitValue {
			t.Errorf("a button value of %d bytes", len(btn.Value))
		}
		switch btn.ActionID {
		case ActionMore:
			var mv MoreValue
			if err := json.Unmarshal([]byte(btn.Value), &mv); err != nil {
				t.Errorf("more value %q: %v", btn.Value, err)
			}
			if more == nil || mv.Command != more.Command || mv.Offset > more.Offset || mv.Offset < 0 {
				t.Errorf("more value %+v, view has %+v", mv, more)
			}
			seenMore = true
		case ActionRun:
			if !runs[btn.Value] {
				t.Errorf("run button with unexpected command %q", btn.Value)
			}
			seenRuns++
		case ActionLink:
			if !strings.HasPrefix(btn.URL, fxPortal+"/") || btn.Value != "" {
				t.Errorf("link button to %q", btn.URL)
			}
		default:
			t.Errorf("unknown action id %q", btn.ActionID)
		}
	})
	tooLong := 0
	for c := range runs {
		if len(c) > limitValue {
			tooLong++
		}
	}
	if v, ok := resp.View.(commands.ChoiceView); ok {
		if want := min(len(v.Choices), 20) - tooLong; seenRuns != want {
			t.Errorf("%d choice buttons, want %d", seenRuns, want)
		}
	}
	text := goldenText(t, msg)
	if (tooLong > 0 || more != nil && len(more.Command) > limitValue) && !strings.Contains(text, narrowNote) {
		t.Errorf("a command too long for a button, and no note %q", narrowNote)
	}
	if more != nil && len(more.Command) < limitValue-100 && !seenMore {
		t.Errorf("no More button")
	}
	if more != nil && len(more.Command) > limitValue && seenMore {
		t.Errorf("a More button for a command too long for it")
	}
}

func goldenText(t *testing.T, msg Message) string { return string(goldenJSON(t, msg)) }

// forEachButton calls f with every button in msg and the block_id of its block.
func forEachButton(msg Message, f func(blockID string, btn *slack.ButtonBlockElement)) {
	for _, blk := range allBlocks(msg) {
		switch x := blk.(type) {
		case *slack.ActionBlock:
			for _, e := range x.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok {
					f(x.BlockID, btn)
				}
			}
		case *slack.SectionBlock:
			if x.Accessory != nil && x.Accessory.ButtonElement != nil {
				f(x.BlockID, x.Accessory.ButtonElement)
			}
		}
	}
}

func allBlocks(msg Message) []slack.Block {
	all := append([]slack.Block(nil), msg.Blocks...)
	for _, a := range msg.Attachments {
		all = append(all, a.Blocks.BlockSet...)
	}
	return all
}
