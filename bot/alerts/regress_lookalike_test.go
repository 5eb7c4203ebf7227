package alerts

import (
	"encoding/json"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/store/storetest"
)

// Another app's message with the bot's metadata (a look-alike card naming the alert) is not the
// bot's message: the first poll after a restart, which trusts what the channel shows, still
// posts its own card, and a later one does not take the look-alike for it either.
func TestAlertReconcileIgnoresLookAlikes(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, storetest.Servers(t)[0])
	id := e.addAlert("High", "Mimikatz", 0)
	meta, _ := json.Marshal(map[string]any{"event_type": metaEvent,
		"event_payload": map[string]any{"kind": kindCard, "alert_id": id, "shows": ""}})
	for _, a := range []slackfake.Author{{UserID: "U0OTHER", BotID: "B0OTHER", AppID: "A0OTHER"}, {UserID: "U0PERSON"}} {
		e.slack.PostForeign(a, slackfake.Message{Channel: socChannel, Text: "Mimikatz", Metadata: meta})
	}
	p, st := e.newPoller(pollerCfg{})
	mustPoll(t, p, st)
	mustPoll(t, p, st)
	own := 0
	for _, m := range e.slack.Snapshot().Messages {
		if k, pl := msgMeta(m); m.Author == nil && k == kindCard && pl["alert_id"] == id {
			own++
		}
	}
	if own != 1 {
		t.Errorf("the bot posted %d cards of the alert, want 1 despite the look-alikes", own)
	}
}
