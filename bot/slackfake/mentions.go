package slackfake

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
)

// Mentions returns every distinct broadcast or user mention found in text,
// blocks or attachments posted so far (chat.postMessage, chat.update,
// chat.postEphemeral, response_url posts, file comments), in first-seen
// order and in Slack's canonical form: "<!channel>", "<!here>",
// "<!everyone>", "<!subteam^S…>" or "<@U…>". Rich-text broadcast, user and
// usergroup elements count too, and so do bare "@channel", "@here" and
// "@everyone" when the call set link_names.
func (f *Fake) Mentions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.rec.mentions)
}

// mentionPattern matches the escaped mention syntax Slack renders.
var mentionPattern = regexp.MustCompile(`<(!(?:channel|here|everyone)|!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+)(?:\|[^>]*)?>`)

// barePattern matches the plain words Slack links when link_names is set.
var barePattern = regexp.MustCompile(`(?:^|[^\w@])@(channel|here|everyone)\b`)

// scanMentionsLocked records the mentions in text and in the JSON documents;
// f.mu must be held.
func (f *Fake) scanMentionsLocked(linkNames bool, text string, docs ...json.RawMessage) {
	found := scanText(linkNames, text, nil)
	for _, d := range docs {
		if len(d) == 0 {
			continue
		}
		var v any
		if json.Unmarshal(d, &v) == nil {
			found = scanValue(linkNames, v, found)
		}
	}
	for _, m := range found {
		if !slices.Contains(f.rec.mentions, m) {
			f.rec.mentions = append(f.rec.mentions, m)
		}
	}
}

func scanText(linkNames bool, s string, found []string) []string {
	for _, m := range mentionPattern.FindAllStringSubmatch(s, -1) {
		found = append(found, "<"+m[1]+">")
	}
	if linkNames {
		for _, m := range barePattern.FindAllStringSubmatch(s, -1) {
			found = append(found, "<!"+m[1]+">")
		}
	}
	return found
}

// scanValue walks decoded JSON: every string is scanned, and rich-text
// broadcast, user and usergroup elements are turned into their mention form.
func scanValue(linkNames bool, v any, found []string) []string {
	switch v := v.(type) {
	case string:
		return scanText(linkNames, v, found)
	case []any:
		for _, e := range v {
			found = scanValue(linkNames, e, found)
		}
	case map[string]any:
		str := func(k string) string { s, _ := v[k].(string); return s }
		switch str("type") {
		case "broadcast":
			if r := str("range"); r != "" {
				found = append(found, "<!"+r+">")
			}
		case "user":
			if id := str("user_id"); id != "" {
				found = append(found, "<@"+id+">")
			}
		case "usergroup":
			if id := str("usergroup_id"); id != "" {
				found = append(found, "<!subteam^"+id+">")
			}
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			found = scanValue(linkNames, v[k], found)
		}
	}
	return found
}
