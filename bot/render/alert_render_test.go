package render

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
	"github.com/slack-go/slack"
)

// fxHostileNotice has markup in every field a notice shows, and ids the buttons can carry.
func fxHostileNotice() defender.Alert {
	a := fxHostileAlert(60)
	a.ID, a.MachineID, a.Severity, a.Status = "da638123456789012345_-1234567890", fxMachineID, defender.SeverityHigh, defender.StatusNew
	return a
}

func TestRenderAlertMessages(t *testing.T) {
	t.Parallel()
	now := renderNow()
	resolved := fxAlert()
	resolved.Status, resolved.Classification, resolved.Determination = defender.StatusResolved, defender.FalsePositive, "Clean"
	bare := defender.Alert{ID: "da1_2", Title: "Suspicious process", Severity: defender.SeverityLow, Status: defender.StatusNew}
	var storm []defender.Alert
	for i := range 137 {
		a := fxAlert()
		a.ID = fmt.Sprintf("da6380000000000%05d_%d", i, 1000+i)
		a.Severity = []defender.Severity{defender.SeverityHigh, defender.SeverityMedium, defender.SeverityLow, defender.SeverityInformational}[i%4]
		a.Title = fmt.Sprintf("Generated alert %d", i)
		storm = append(storm, a)
	}
	hostileStorm := make([]defender.Alert, 50)
	for i := range hostileStorm {
		hostileStorm[i] = fxHostileNotice()
	}
	cs := []Change{{"Status", "New", "Resolved"}, {"Severity", "Medium", "High"}, {"Assigned to", "", resolved.AssignedTo},
		{"Classification", "", "FalsePositive"}, {"Determination", "", "Clean"}}
	withButtons := NoticeOptions{Portal: fxPortal, Buttons: true}
	for _, tc := range []struct {
		name    string
		msg     Message
		buttons []string
	}{
		{"alert_notice", AlertNotice(fxAlert(), withButtons, now), []string{ActionAlertIsolate, ActionAlertAssign, ActionAlertResolve, ActionLink}},
		{"alert_notice_resolved", AlertNotice(resolved, withButtons, now), []string{ActionLink}},
		{"alert_notice_bare", AlertNotice(bare, withButtons, now), []string{ActionAlertAssign, ActionAlertResolve, ActionLink}},
		{"alert_notice_hostile", AlertNotice(fxHostileNotice(), withButtons, now), []string{ActionAlertIsolate, ActionAlertAssign, ActionAlertResolve, ActionLink}},
		{"alert_notice_no_actions", AlertNotice(fxAlert(), NoticeOptions{Portal: fxPortal}, now), []string{ActionLink}},
		{"alert_change", AlertChange(resolved, cs, now), nil},
		{"alert_digest", Digest(listOf(storm), 3, false, fxPortal, now), nil},
		{"alert_digest_csv", Digest(listOf(storm), 4, true, fxPortal, now), nil},
		{"alert_digest_chunk", slices.Collect(DigestPages(listOf(storm), fxPortal, now))[0].Msg, nil},
		{"alert_digest_chunk_hostile", slices.Collect(DigestPages(listOf(hostileStorm), fxPortal, now))[0].Msg, nil},
		{"alert_change_summary", ChangeSummary(412, []ChangeCount{{"Status", "Resolved", 400}, {"Assigned to", fxHostileN(80), 12}}, now), nil},
		{"alert_mute_set", Response(commands.Response{View: commands.MuteListView{Title: "Alert mute set", Note: "Matching alerts are counted, not posted, for 3h. `unmute m7k2qf` lifts it early.",
			PortalURL: fxPortal, Mutes: []store.Mute{{ID: "m7k2qf", Kind: store.MuteSHA1, Value: "d1a2b3c4e5f60718293a4b5c6d7e8f9012345678",
				Reason: "known installer", Creator: "U0RESP", Until: now.Add(3 * 60 * 60 * 1e9)}}}}, now), nil},
		{"alert_mutes", Response(commands.Response{View: commands.MuteListView{PortalURL: fxPortal, Mutes: []store.Mute{
			{ID: "m7k2qf", Kind: store.MuteMachine, Value: fxMachineID, Label: "web01.contoso.com", Reason: "patching tonight",
				Creator: "U0RESP", Until: now.Add(3 * 60 * 60 * 1e9), Hits: 12},
			{ID: "mz9x8w", Kind: store.MuteTitle, Value: "x", Label: fxHostileN(200), Reason: fxHostileN(600), Creator: "U0LEAD",
				Until: now.Add(48 * 60 * 60 * 1e9)},
		}}}, now), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, tc.name, tc.msg)
			for _, v := range slackLimitViolations(tc.msg) {
				t.Errorf("limit: %s", v)
			}
			checkNoMarkupFromData(t, tc.msg)
			var got []string
			for _, blk := range allBlocks(tc.msg) {
				if ab, ok := blk.(*slack.ActionBlock); ok {
					for _, e := range ab.Elements.ElementSet {
						switch x := e.(type) {
						case *slack.ButtonBlockElement:
							got = append(got, x.ActionID)
						case *slack.SelectBlockElement:
							got = append(got, x.ActionID)
						}
					}
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.buttons, ",") {
				t.Errorf("buttons %v, want %v", got, tc.buttons)
			}
		})
	}
}

// The message an alert leaves in a channel it no longer goes to keeps its content, loses its
// buttons but the portal link, and links the channels it went to; those links are the only
// markup in it, hostile alert data included.
func TestRenderAlertMoved(t *testing.T) {
	t.Parallel()
	now := renderNow()
	hostile := fxHostileNotice()
	for _, tc := range []struct {
		name string
		msg  Message
	}{
		{"alert_notice_moved", AlertNotice(hostile, NoticeOptions{Portal: fxPortal, Buttons: true, MovedTo: []string{"C0HIGH", "G0IR"}}, now)},
		{"alert_moved_reply", AlertMovedReply(hostile, []string{"C0HIGH", "not-a-channel"},
			[]Change{{"Severity", "Medium", "High"}, {"Assigned to", "", hostile.AssignedTo},
				{"Classification", "", string(hostile.Classification)}, {"Determination", "", hostile.Determination}}, now)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, tc.name, tc.msg)
			for _, v := range slackLimitViolations(tc.msg) {
				t.Errorf("limit: %s", v)
			}
			raw, err := json.Marshal(tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			problem := markupChecker()
			links := strings.NewReplacer("<#C0HIGH>", "#channel", "<#G0IR>", "#channel")
			walkParsedText(v, false, func(s string) {
				s = links.Replace(s)
				if p := problem(s); p != "" {
					t.Errorf("%s in %q", p, excerptAround(s, p))
				}
			})
			var got []string
			for _, blk := range allBlocks(tc.msg) {
				if ab, ok := blk.(*slack.ActionBlock); ok {
					for _, e := range ab.Elements.ElementSet {
						if x, ok := e.(*slack.ButtonBlockElement); ok {
							got = append(got, x.ActionID)
						}
					}
				}
			}
			if want := map[string]string{"alert_notice_moved": ActionLink}[tc.name]; strings.Join(got, ",") != want {
				t.Errorf("buttons %v, want %q", got, want)
			}
		})
	}
}

// When Slack refuses a message for what it holds, the plain fallback still names every alert,
// fits the text limit and carries no markup from the data.
func TestRenderAlertFallbacks(t *testing.T) {
	t.Parallel()
	hostile := make([]defender.Alert, 50)
	for i := range hostile {
		hostile[i] = fxHostileNotice()
		hostile[i].ID = fmt.Sprintf("da63800000000000%04d_%d", i, 1000000000+i)
	}
	for _, tc := range []struct {
		name   string
		msg    Message
		alerts []defender.Alert
		limit  int
	}{
		{"alert_fallback", AlertFallback(fxHostileNotice(), fxPortal, "msg_too_long"), []defender.Alert{fxHostileNotice()}, limitText},
		// A digest page lists hundreds of alerts: its fallback keeps the page's budget.
		{"alert_digest_chunk_fallback", DigestChunkFallback(hostile, 50, 300, "invalid_blocks"), hostile, digestPageBudget},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, tc.name, tc.msg)
			checkNoMarkupFromData(t, tc.msg)
			if n := textLen(tc.msg.Text); n > tc.limit || len(tc.msg.Blocks)+len(tc.msg.Attachments) > 0 {
				t.Errorf("a fallback has %d characters, %d blocks, %d attachments", n, len(tc.msg.Blocks), len(tc.msg.Attachments))
			}
			for _, a := range tc.alerts {
				if !strings.Contains(tc.msg.Text, "`"+a.ID+"`") {
					t.Errorf("alert %s is not named", a.ID)
				}
			}
		})
	}
}

// Every alert of a digest is on exactly one page, however long its lines, and every page keeps to
// Slack's limits.
func TestDigestChunkListsEveryAlert(t *testing.T) {
	t.Parallel()
	hostile := make([]defender.Alert, 300)
	for i := range hostile {
		hostile[i] = fxHostileNotice()
		hostile[i].ID = fmt.Sprintf("da%d_x", i)
	}
	l := listOf(hostile)
	count := DigestPageCount(l, fxPortal, renderNow())
	next, pages := 0, 0
	for pg := range DigestPages(l, fxPortal, renderNow()) {
		pages++
		if pg.From != next || pg.N < 1 {
			t.Fatalf("page at %d of %d alerts; want one at %d", pg.From, pg.N, next)
		}
		next += pg.N
		if n := fitLimits(&pg.Msg); n != 0 {
			t.Errorf("page at %d needed %d changes to fit Slack's limits", pg.From, n)
		}
		raw, err := json.Marshal(pg.Msg)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range hostile[pg.From : pg.From+pg.N] {
			if !strings.Contains(string(raw), "/alerts/"+a.ID+"|") {
				t.Errorf("alert %s is not linked on its page", a.ID)
			}
		}
	}
	if next != len(hostile) {
		t.Errorf("pages list %d of %d alerts", next, len(hostile))
	}
	if pages != count || pages < 2 {
		t.Errorf("%d pages, DigestPageCount says %d (want the same, and more than one)", pages, count)
	}
}

// listOf is a digest list of alerts.
func listOf(alerts []defender.Alert) DigestList {
	return DigestList{N: len(alerts), At: func(i int) defender.Alert { return alerts[i] }}
}
