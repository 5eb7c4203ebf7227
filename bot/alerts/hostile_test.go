package alerts

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/mdebot/mdebot/store/storetest"
)

// MDE data an attacker can shape (alert titles, file names, command lines, user names, assignee)
// posts no mention in anything Slack parses and is not refused by Slack, as a card, in a storm
// digest and in a change reply.
func TestHostileAlertData(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, storetest.Servers(t)[0])
	p, st := e.newPoller(pollerCfg{})
	evil := "<!channel> @here @everyone <@U0BOSS> <!subteam^S0SOC> *x* _y_ ~z~ `q` ```c``` > quote &amp; <https://evil.example|click> \u202e\u200b"
	long := strings.Repeat(evil, 30)
	add := func(i int) string {
		inc := int64(900 + i%2)
		return e.mde.Fake.AddAlert(mdefake.Alert{Severity: "High", Title: evil + long, Description: long, MachineID: e.dev.ID,
			ComputerDNSName: evil, RBACGroupName: evil, Category: evil, DetectionSource: evil, ThreatName: evil, ThreatFamilyName: evil,
			AssignedTo: evil, IncidentID: &inc, MitreTechniques: []string{evil, long},
			RelatedUser: &mdefake.RelatedUser{UserName: evil, DomainName: long},
			Evidence: func() []mdefake.Evidence {
				var ev []mdefake.Evidence
				for j := range 60 {
					ev = append(ev, mdefake.Evidence{EntityType: "Process", FileName: evil + long, FilePath: long,
						ProcessCommandLine: long, SHA1: mdefake.FakeSHA1(evil + string(rune('a'+j%26))), AccountName: evil, DomainName: evil})
				}
				return ev
			}()}).ID
	}
	first := add(0)
	mustPoll(t, p, st)
	var ids []string
	for i := range 25 { // a storm: the digest path
		ids = append(ids, add(i))
	}
	mustPoll(t, p, st)
	e.mde.Fake.Advance(time.Minute)
	if err := e.mde.Fake.UpdateAlert(first, func(a *mdefake.Alert) { a.Status = "InProgress"; a.AssignedTo = evil + long }); err != nil {
		t.Fatal(err)
	}
	mustPoll(t, p, st)
	snap := e.slack.Snapshot()
	assertOnce(t, snap, socChannel, append(ids, first))
	// slackfake's Mentions() also counts plain_text (the header holds the title as plain text,
	// which Slack shows literally), so scan what Slack parses: message text and mrkdwn objects.
	for _, m := range snap.Messages {
		found := mentionPattern.FindAllString(m.Text, -1)
		for _, raw := range [][]byte{m.Blocks, m.Attachments} {
			var v any
			if json.Unmarshal(raw, &v) == nil {
				found = append(found, mrkdwnMentions(v)...)
			}
		}
		if len(found) > 0 {
			t.Errorf("message %s posts mentions from MDE data: %v", m.TS, found)
		}
	}
	if last, _, err := st.PollStatus(t.Context(), PollerName); err != nil || last.Failed > 0 || last.Error != "" {
		t.Errorf("poll status %+v, %v", last, err)
	}
}

var mentionPattern = regexp.MustCompile(`<(!(?:channel|here|everyone)|!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+)(?:\|[^>]*)?>`)

// mrkdwnMentions returns the mention markup in the mrkdwn text objects of decoded Block Kit JSON.
func mrkdwnMentions(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			out = append(out, mrkdwnMentions(e)...)
		}
	case map[string]any:
		if v["type"] == "mrkdwn" {
			s, _ := v["text"].(string)
			out = append(out, mentionPattern.FindAllString(s, -1)...)
		}
		for _, e := range v {
			out = append(out, mrkdwnMentions(e)...)
		}
	}
	return out
}
