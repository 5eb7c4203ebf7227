package render

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/slack-go/slack"
)

const fxReq = "req-k3j2m4qa"

func fxApproval(state commands.ApprovalState) commands.Approval {
	m := fxMachine()
	return commands.Approval{
		ID: fxReq, State: state, Requester: "U024BE7LH", Required: 2,
		Votes:   []commands.ApprovalVote{{User: "U0G9QF9C6", At: fxTime(0.1).Time}},
		Created: fxTime(0.2).Time, Expires: fxTime(-0.3).Time,
		Request: commands.ActionRequest{Verb: "isolate", Option: "Full", MachineID: m.ID, MachineName: m.ComputerDNSName,
			Reason: "Ransomware beaconing to 203.0.113.7 *now*", Rule: "protected (device group Tier0 Servers): 2 approvals",
			Channel: "C0SOC", Preview: &commands.MachineView{Machine: m, OpenAlerts: []defender.Alert{fxAlert()},
				Pending: fxActions()[1:2], Isolation: commands.Isolation{State: commands.NotIsolated}}},
	}
}

// approvalFixtures are the card in each state, and hostile ones.
func approvalFixtures() []struct {
	name string
	v    commands.ApprovalView
} {
	view := func(ap commands.Approval) commands.ApprovalView {
		return commands.ApprovalView{Approval: ap, PortalURL: fxPortal}
	}
	pending := fxApproval(commands.ApprovalPending)
	running := fxApproval(commands.ApprovalDone)
	running.Votes = append(running.Votes, commands.ApprovalVote{User: "W0LEAD2", At: fxTime(0.05).Time})
	running.DecidedAt, running.ActionID, running.ActionStatus = fxTime(0.05).Time, "7f3c1b6e-2d4a-4b8e-9c1d-0e2f3a4b5c6d", "InProgress"
	pendingAlready := running
	pendingAlready.AlreadyPending, pendingAlready.ActionStatus = true, "Pending"
	succeeded := running
	succeeded.ActionStatus, succeeded.FinishedAt = "Succeeded", fxTime(0.01).Time
	cancelled := running
	cancelled.ActionStatus, cancelled.CancelBy, cancelled.CancelReason, cancelled.FinishedAt = "Cancelled", "U024BE7LH", "wrong host", fxTime(0.01).Time
	denied := fxApproval(commands.ApprovalDenied)
	denied.DecidedBy, denied.Reason, denied.DecidedAt = "U0G9QF9C6", "Not enough evidence; collect first.", fxTime(0.1).Time
	expired := fxApproval(commands.ApprovalExpired)
	expired.DecidedAt = fxTime(0.01).Time
	failed := fxApproval(commands.ApprovalFailed)
	failed.Result = "Defender does not support this action on the device's operating system."
	block := commands.Approval{ID: fxReq, State: commands.ApprovalPending, Requester: "U024BE7LH", Required: 1,
		Created: fxTime(0.2).Time, Expires: fxTime(-0.3).Time,
		Request: commands.ActionRequest{Verb: "block", Option: "domain", Indicator: "malicious-cdn.example.net",
			IndicatorType: defender.IndicatorDomain, IndicatorExpires: fxTime(-24 * 30).Time, Reason: "payload host",
			Existing: &fxIndicators()[0]}}
	alert := commands.Approval{ID: fxReq, State: commands.ApprovalDone, Requester: "U024BE7LH", Required: 1,
		Votes: []commands.ApprovalVote{{User: "U0G9QF9C6"}}, Created: fxTime(0.2).Time, Expires: fxTime(-0.3).Time,
		ActionStatus: "Succeeded", Result: "alert da638 updated: status Resolved, classified FalsePositive",
		Request: commands.ActionRequest{Verb: "alert", Option: "resolve as FalsePositive", Reason: "test box",
			Alert: &defender.Alert{ID: fxAlert().ID, Title: fxAlert().Title, Severity: defender.SeverityHigh, Status: defender.StatusNew, ComputerDNSName: "web01.contoso.com"}}}
	hostile := fxApproval(commands.ApprovalPending)
	hostile.ID, hostile.Requester = fxHostile, "<@U0HOSTILE>"
	hostile.Votes = []commands.ApprovalVote{{User: fxHostile}}
	hostile.Request.Verb, hostile.Request.Option, hostile.Request.Reason, hostile.Request.Rule = fxHostile, fxHostile, fxHostileN(5000), fxHostileN(500)
	hostile.Request.MachineName = fxHostileN(600)
	hostile.Request.Preview = &commands.MachineView{Machine: fxHostileMachine(), OpenAlerts: []defender.Alert{fxHostileAlert(3)},
		Pending: []defender.MachineAction{fxHostileAction()}}
	hostileDone := hostile
	hostileDone.State, hostileDone.ActionID, hostileDone.ActionStatus, hostileDone.CancelBy, hostileDone.CancelReason =
		commands.ApprovalDone, fxHostile, "Pending", fxHostile, fxHostileN(900)
	hostileDone.Request.Verb = "isolate"
	return []struct {
		name string
		v    commands.ApprovalView
	}{
		{"approval_pending", view(pending)}, {"approval_running", view(running)},
		{"approval_already_pending", view(pendingAlready)}, {"approval_succeeded", view(succeeded)},
		{"approval_cancelled", view(cancelled)}, {"approval_denied", view(denied)},
		{"approval_expired", view(expired)}, {"approval_failed", view(failed)},
		{"approval_block", view(block)}, {"approval_alert", view(alert)},
		{"approval_hostile", view(hostile)}, {"approval_hostile_done", view(hostileDone)},
	}
}

func TestRenderApprovalCards(t *testing.T) {
	t.Parallel()
	for _, fx := range approvalFixtures() {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			msg := ApprovalCard(fx.v, renderNow())
			checkGolden(t, fx.name, msg)
			for _, v := range slackLimitViolations(msg) {
				t.Errorf("limit: %s", v)
			}
			checkFitsByItself(t, commands.Response{View: fx.v})
			checkCardMarkup(t, msg)
			checkCardButtons(t, fx.v, msg)
		})
	}
}

// cardMention is the only markup a card adds on its own: a mention of one of the people of the
// fixtures (hostile ids must never become one).
var cardMention = regexp.MustCompile(`<@(U024BE7LH|U0G9QF9C6|W0LEAD2)>`)

// checkCardMarkup is checkNoMarkupFromData for cards: mentions of the people involved are the
// card's own, every other markup from the data must be neutralised.
func checkCardMarkup(t *testing.T, msg Message) {
	t.Helper()
	raw := goldenJSON(t, msg)
	var v any
	if err := json.Unmarshal([]byte(cardMention.ReplaceAllString(string(raw), "@person")), &v); err != nil {
		t.Fatal(err)
	}
	problem := markupChecker()
	walkParsedText(v, false, func(s string) {
		if p := problem(s); p != "" {
			t.Errorf("%s in %q", p, excerptAround(s, p))
		}
	})
}

// checkCardButtons checks that every button carries only the request id (or is the portal link),
// that a pending card has exactly Approve and Deny, and a live action a Cancel button.
func checkCardButtons(t *testing.T, v commands.ApprovalView, msg Message) {
	t.Helper()
	var labels []string
	forEachButton(msg, func(blockID string, btn *slack.ButtonBlockElement) {
		if blockID == "" {
			t.Errorf("a button without a block_id")
		}
		labels = append(labels, btn.Text.Text)
		switch btn.ActionID {
		case ActionApprove, ActionDeny, ActionCancel:
			if btn.Value != v.Approval.ID || len(btn.Value) > limitValue {
				t.Errorf("%s carries %q, want only the request id", btn.ActionID, btn.Value)
			}
		case ActionLink:
			if !strings.HasPrefix(btn.URL, fxPortal+"/machines/") {
				t.Errorf("link to %q", btn.URL)
			}
		default:
			t.Errorf("unknown action id %q", btn.ActionID)
		}
	})
	want := ""
	switch {
	case v.Approval.State == commands.ApprovalPending:
		want = "Approve,Deny"
	case v.Approval.Cancellable():
		want = "Cancel"
	}
	got := strings.Join(labels, ",")
	if !strings.HasPrefix(got, want) || (want == "" && strings.Contains(got, "Cancel")) {
		t.Errorf("buttons %q, want %q first", got, want)
	}
}
