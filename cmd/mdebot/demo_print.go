package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mdebot/mdebot/bot/slackfake"
)

// block is the part of a Block Kit block the demo prints.
type block struct {
	Type      string    `json:"type"`
	Text      *textObj  `json:"text"`
	Fields    []textObj `json:"fields"`
	Elements  []element `json:"elements"`
	Accessory *element  `json:"accessory"`
}

type textObj struct {
	Text string `json:"text"`
}

type element struct {
	Type        string          `json:"type"`
	Text        json.RawMessage `json:"text"`
	Placeholder *textObj        `json:"placeholder"`
	ActionID    string          `json:"action_id"`
	Value       string          `json:"value"`
}

type message struct {
	Text        string  `json:"text"`
	Blocks      []block `json:"blocks"`
	Attachments []struct {
		Color  string  `json:"color"`
		Blocks []block `json:"blocks"`
	} `json:"attachments"`
}

// messageText prints a message as a reader would see it, roughly: headers, texts, fields,
// context lines and buttons.
func messageText(body json.RawMessage) string {
	var m message
	if err := json.Unmarshal(body, &m); err != nil || len(m.Blocks)+len(m.Attachments) == 0 {
		return m.Text
	}
	var b strings.Builder
	writeBlocks(&b, m.Blocks)
	for _, a := range m.Attachments {
		writeBlocks(&b, a.Blocks)
	}
	return unescape(strings.TrimRight(b.String(), "\n"))
}

func writeBlocks(b *strings.Builder, blocks []block) {
	for _, bl := range blocks {
		switch bl.Type {
		case "header":
			fmt.Fprintf(b, "== %s ==\n", textOf(bl.Text))
		case "section":
			if t := textOf(bl.Text); t != "" {
				b.WriteString(t + "\n")
			}
			for _, f := range bl.Fields {
				b.WriteString("  " + strings.ReplaceAll(f.Text, "\n", " ") + "\n")
			}
			if bl.Accessory != nil {
				b.WriteString(button(*bl.Accessory) + "\n")
			}
		case "context":
			var parts []string
			for _, e := range bl.Elements {
				parts = append(parts, elementText(e))
			}
			b.WriteString("  " + strings.Join(parts, "  ") + "\n")
		case "actions":
			var parts []string
			for _, e := range bl.Elements {
				parts = append(parts, button(e))
			}
			b.WriteString(strings.Join(parts, " ") + "\n")
		case "divider":
			b.WriteString("---\n")
		}
	}
}

func textOf(t *textObj) string {
	if t == nil {
		return ""
	}
	return t.Text
}

func elementText(e element) string {
	var s string
	if json.Unmarshal(e.Text, &s) == nil {
		return s
	}
	var t textObj
	_ = json.Unmarshal(e.Text, &t)
	return t.Text
}

func button(e element) string {
	if t := elementText(e); t != "" || e.Placeholder == nil {
		return "[" + t + "]"
	}
	return "[" + e.Placeholder.Text + " ▾]"
}

// unescape undoes Slack's &amp; &lt; &gt; for the terminal.
func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// firstButtonValue finds the first button with actionID in a posted message.
func firstButtonValue(p *slackfake.ResponsePost, actionID string) (string, bool) {
	e, ok := firstButton(p, actionID)
	return e.Value, ok
}

// firstButton finds the first button with actionID in a posted message.
func firstButton(p *slackfake.ResponsePost, actionID string) (element, bool) {
	if p == nil {
		return element{}, false
	}
	var m message
	if json.Unmarshal(p.Body, &m) != nil {
		return element{}, false
	}
	for _, bl := range m.Blocks {
		for _, e := range append(bl.Elements, derefElement(bl.Accessory)...) {
			if e.ActionID == actionID {
				return e, true
			}
		}
	}
	return element{}, false
}

func derefElement(e *element) []element {
	if e == nil {
		return nil
	}
	return []element{*e}
}
