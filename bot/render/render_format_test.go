package render

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/slack-go/slack"
)

func TestRenderTimes(t *testing.T) {
	t.Parallel()
	b := &msgBuilder{now: renderNow()}
	tests := []struct {
		ago  time.Duration
		want string
	}{
		{0, "2026-11-20 11:00 UTC (just now)"},
		{59 * time.Second, "2026-11-20 10:59 UTC (just now)"},
		{3 * time.Minute, "2026-11-20 10:57 UTC (3m ago)"},
		{3 * time.Hour, "2026-11-20 08:00 UTC (3h ago)"},
		{47 * time.Hour, "2026-11-18 12:00 UTC (47h ago)"},
		{72 * time.Hour, "2026-11-17 11:00 UTC (3d ago)"},
		{-30 * time.Second, "2026-11-20 11:00 UTC (in under a minute)"},
		{-2 * time.Hour, "2026-11-20 13:00 UTC (in 2h)"},
	}
	for _, tt := range tests {
		local := renderNow().Add(-tt.ago).In(time.FixedZone("CET", 3600))
		if got := b.when(local); got != tt.want {
			t.Errorf("when(now-%v) = %q, want %q", tt.ago, got, tt.want)
		}
	}
	if got := b.when(time.Time{}); got != "unknown" {
		t.Errorf("when(zero) = %q", got)
	}
}

func TestRenderPortalURL(t *testing.T) {
	t.Parallel()
	b := &msgBuilder{}
	tests := []struct{ portal, id, want string }{
		{"https://security.microsoft.com", "da638_-1", "https://security.microsoft.com/alerts/da638_-1"},
		{"https://security.microsoft.us/", "da1", "https://security.microsoft.us/alerts/da1"},
		{"https://portal.example/x?tid=1", "da1", "https://portal.example/x/alerts/da1"},
		{"https://security.microsoft.com", "../../evil", ""},
		{"https://security.microsoft.com", "a|b>c", ""},
		{"https://security.microsoft.com", "a b", ""},
		{"https://security.microsoft.com", "..", ""},
		{"https://security.microsoft.com", "", ""},
		{"javascript:alert(1)", "da1", ""},
		{"https://user:pw@security.microsoft.com", "da1", ""},
		{"", "da1", ""},
	}
	for _, tt := range tests {
		if got := b.portalURL(tt.portal, "alerts", tt.id); got != tt.want {
			t.Errorf("portalURL(%q, %q) = %q, want %q", tt.portal, tt.id, got, tt.want)
		}
	}
}

func TestRenderEscapeWithCode(t *testing.T) {
	t.Parallel()
	b := &msgBuilder{}
	tests := []struct{ in, want string }{
		{"There is no command `<!here>`.", "There is no command `&lt;!here&gt;`."},
		{"*bold* `*kept*` <@U1>", "∗bold∗ `*kept*` &lt;@\u200bU1&gt;"},
		{"one ` alone", "one ˋ alone"},
		{"a `b` c `d", "a `b` c ˋd"},
	}
	for _, tt := range tests {
		if got := b.escapeWithCode(tt.in); got != tt.want {
			t.Errorf("escapeWithCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRenderAlertColour(t *testing.T) {
	t.Parallel()
	for sev, want := range map[defender.Severity]string{
		defender.SeverityHigh: "#d40e0d", defender.SeverityMedium: "#ff8c00", defender.SeverityLow: "#ffd700",
		defender.SeverityInformational: "#8a8886", "": "#8a8886",
	} {
		msg := Response(commands.Response{View: commands.AlertView{Alert: defender.Alert{ID: "da1", Severity: sev}}}, renderNow())
		if len(msg.Attachments) != 1 || msg.Attachments[0].Color != want {
			t.Errorf("severity %q: attachments %+v, want one of colour %s", sev, msg.Attachments, want)
		}
	}
}

// TestRenderMoreOffsetBacksOff checks that items left out for size come first on the next page.
func TestRenderMoreOffsetBacksOff(t *testing.T) {
	t.Parallel()
	alerts := make([]defender.Alert, 300)
	for i := range alerts {
		alerts[i] = defender.Alert{ID: "da1", Title: strings.Repeat("long title ", 20), Severity: defender.SeverityLow}
	}
	cmd := `alerts severity Low since "2 days" é`
	msg := Response(commands.Response{View: commands.AlertListView{Alerts: alerts,
		More: &commands.More{Command: cmd, Offset: 600}}}, renderNow())
	var got *MoreValue
	forEachButton(msg, func(_ string, btn *slack.ButtonBlockElement) {
		if btn.ActionID == ActionMore {
			got = new(MoreValue)
			if err := json.Unmarshal([]byte(btn.Value), got); err != nil {
				t.Fatal(err)
			}
		}
	})
	if got == nil {
		t.Fatal("no More button")
	}
	shown := 0
	for _, blk := range msg.Blocks {
		if s, ok := blk.(*slack.SectionBlock); ok && s.Text != nil {
			shown += strings.Count(s.Text.Text, "🟡 *")
		}
	}
	if shown == 0 || shown == len(alerts) {
		t.Fatalf("%d alerts shown; the fixture should not fit", shown)
	}
	if diff := cmp.Diff(MoreValue{Command: cmd, Offset: 600 - (len(alerts) - shown)}, *got); diff != "" {
		t.Errorf("more value (-want +got):\n%s", diff)
	}
}

func TestRenderHuntSaysWhatWasCut(t *testing.T) {
	t.Parallel()
	for _, fx := range huntFixtures() {
		if fx.name != "hunt_large" {
			continue
		}
		msg := Response(fx.resp, renderNow())
		text := goldenText(t, msg)
		if !strings.Contains(text, " of 10,000 rows shown.") || !strings.Contains(text, "The full result is sent to you as a CSV file in a direct message.") || !msg.Cut {
			t.Errorf("no cut note in %s", text)
		}
		var table string
		for _, blk := range msg.Blocks {
			if s, ok := blk.(*slack.SectionBlock); ok && strings.HasPrefix(s.Text.Text, "```") {
				table = s.Text.Text
			}
		}
		lines := strings.Split(strings.Trim(table, "`\n"), "\n")
		if len(lines) < 10 || textLen(table) > limitSection {
			t.Fatalf("table of %d lines, %d characters", len(lines), textLen(table))
		}
		for _, l := range lines[2:] {
			if len(l) != len(lines[1]) {
				t.Errorf("row %q is not as wide as the rule %q", l, lines[1])
			}
		}
	}
}
