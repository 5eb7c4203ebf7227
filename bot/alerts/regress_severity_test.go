package alerts

import (
	"testing"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store/storetest"
)

// An alert whose severity is UnSpecified (a value the MDE alert API has, and that
// defender.SeverityUnspecified names) counts as Informational: it is posted with
// MDEBOT_ALERT_MIN_SEVERITY=Informational, and with a higher minimum it is counted as below it
// in the poll's statistics rather than dropped without a trace.
func TestAlertUnspecifiedSeverityCountsAsInformational(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, storetest.Servers(t)[0])
	p, st := e.newPoller(pollerCfg{opts: Options{MinSeverity: defender.SeverityInformational}})
	id := e.addAlert(string(defender.SeverityUnspecified), "Custom detection: suspicious service install", 0)
	mustPoll(t, p, st)
	cards, lines := countAlerts(e.slack.Snapshot())
	if cards[socChannel][id]+lines[socChannel][id] == 0 {
		t.Errorf("alert %s with severity UnSpecified was silently dropped with MinSeverity Informational", id)
	}

	e2 := newAlertEnv(t, storetest.Servers(t)[0])
	p2, st2 := e2.newPoller(pollerCfg{}) // MinSeverity Low
	e2.addAlert(string(defender.SeverityUnspecified), "Custom detection", 0)
	e2.addAlert("Informational", "Below the minimum", 0)
	posted := e2.addAlert("Low", "At the minimum", 0)
	mustPoll(t, p2, st2)
	assertOnce(t, e2.slack.Snapshot(), socChannel, []string{posted})
	if last, _, err := st2.PollStatus(t.Context(), PollerName); err != nil || last.Below != 2 || last.Posted != 1 {
		t.Errorf("poll status %+v, %v: want 2 below the minimum, 1 posted", last, err)
	}
}
