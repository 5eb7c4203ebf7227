package reliability

import (
	"encoding/json"
	"fmt"

	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
)

// alertShows counts, per channel and alert id, the messages that present an alert: its own card
// or a line in a digest's chunk (the notifier's message metadata says which alert a message
// shows). Exactly once means a count of 1 for every expected pair.
func alertShows(sn *slackfake.Snapshot) map[string]int {
	n := map[string]int{}
	for _, m := range sn.Messages {
		if m.Deleted || m.Metadata == nil {
			continue
		}
		var md struct {
			EventPayload map[string]any `json:"event_payload"`
		}
		if json.Unmarshal(m.Metadata, &md) != nil {
			continue
		}
		switch md.EventPayload["kind"] {
		case "card":
			if id, ok := md.EventPayload["alert_id"].(string); ok {
				n[m.Channel+"/"+id]++
			}
		case "digest_chunk":
			ids, _ := md.EventPayload["alert_ids"].([]any)
			for _, id := range ids {
				if s, ok := id.(string); ok {
					n[m.Channel+"/"+s]++
				}
			}
		}
	}
	return n
}

// alertCount is the outcome of the exactly-once check of alerts.
type alertCount struct{ want, posted, lost, duplicated int }

func (c alertCount) String() string {
	return fmt.Sprintf("alerts %d: posted %d, lost %d, duplicated %d", c.want, c.posted, c.lost, c.duplicated)
}

// countAlerts checks want (channel/alert id pairs) against what Slack holds.
func countAlerts(sn *slackfake.Snapshot, want []string) alertCount {
	shows := alertShows(sn)
	c := alertCount{want: len(want)}
	for _, k := range want {
		switch n := shows[k]; {
		case n == 0:
			c.lost++
		case n > 1:
			c.duplicated++
			c.posted++
		default:
			c.posted++
		}
	}
	return c
}

// waitAlerts waits (at most d) until every wanted alert is shown, then returns the count.
func (s *stack) waitAlerts(want []string, d time.Duration) alertCount {
	ctx, cancel := contextWithTimeout(s.t, d)
	defer cancel()
	sn, _ := s.slack.WaitFor(ctx, func(sn *slackfake.Snapshot) bool { return countAlerts(sn, want).lost == 0 })
	return countAlerts(sn, want)
}

var idSegment = regexp.MustCompile(`^[0-9a-f]{40}$|^[0-9a-f-]{36}$|^da[0-9_]+$|.*\d{3,}.*|^'.*'$|^\(.*\)$`)

// apiKey names an MDE or Graph API by method and path pattern (ids replaced by {id}).
func apiKey(method, path string) string {
	parts := strings.Split(strings.ToLower(path), "/")
	for i, p := range parts {
		if idSegment.MatchString(p) {
			parts[i] = "{id}"
		}
	}
	return method + " " + strings.Join(parts, "/")
}

// documentedLimit is MDE's per-API calls per minute: 45 for advanced hunting, 100 for the rest
// (e.g. List machines API, https://learn.microsoft.com/defender-endpoint/api/get-machines;
// Advanced hunting API, https://learn.microsoft.com/defender-endpoint/api/run-advanced-query-api).
func documentedLimit(key string) int {
	if strings.Contains(key, "advancedqueries") || strings.Contains(key, "runhuntingquery") {
		return 45
	}
	return 100
}

// apiRate is one API's busiest minute.
type apiRate struct {
	key         string
	total, peak int // calls in all; most calls in any 60 s window
	throttled   int // of them answered 429 by the fake's quota (seen as retries by the bot)
	limit       int
}

// mdeRates returns the busiest minute of every MDE and Graph API the fake recorded.
func (s *stack) mdeRates() []apiRate {
	byKey := map[string][]time.Time{}
	for _, r := range s.mde.Requests() {
		if strings.Contains(r.Path, "oauth2") || strings.Contains(r.Path, "/v2.0/") { // Entra, not an API
			continue
		}
		k := apiKey(r.Method, r.Path)
		byKey[k] = append(byKey[k], r.At)
	}
	var out []apiRate
	for k, ts := range byKey {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		peak, lo := 0, 0
		for hi := range ts {
			for ts[hi].Sub(ts[lo]) >= time.Minute {
				lo++
			}
			peak = max(peak, hi-lo+1)
		}
		out = append(out, apiRate{key: k, total: len(ts), peak: peak, limit: documentedLimit(k)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].peak > out[j].peak })
	return out
}

// reportRates adds the busiest minute per API to the report and returns how many APIs went over
// their documented limit.
func (s *stack) reportRates(scenario string) int {
	over := 0
	for _, r := range s.mdeRates() {
		mark := ""
		if r.peak > r.limit {
			over++
			mark = "  OVER THE LIMIT"
		}
		results.add(scenario, "MDE calls per minute, %-55s peak %4d (limit %d), %d in all%s", r.key, r.peak, r.limit, r.total, mark)
	}
	return over
}

// secrets are the values that must never appear in a log line or a Slack message.
func (s *stack) secrets() map[string]string {
	return map[string]string{
		"the Slack bot token": s.slack.BotToken(), "the Slack app token": s.slack.AppToken(),
		"the client secret": s.secret, "the Redis password": s.redis.password,
	}
}

// scanSecrets looks for every secret in every replica's log and every Slack output, and returns
// how many lines it scanned and where each secret was found.
func (s *stack) scanSecrets() (lines int, leaks []string) {
	sn := s.slack.Snapshot()
	var texts []string
	s.mu.Lock()
	for _, b := range s.bots {
		for _, l := range strings.Split(b.logs.String(), "\n") {
			texts = append(texts, b.name+" log: "+l)
		}
	}
	s.mu.Unlock()
	for _, m := range sn.Messages {
		for _, h := range m.History {
			texts = append(texts, "message: "+h.Text+string(h.Blocks))
		}
		texts = append(texts, "message: "+string(m.Attachments)+string(m.Metadata))
	}
	for _, e := range sn.Ephemerals {
		texts = append(texts, "ephemeral: "+e.Text+string(e.Blocks))
	}
	for _, p := range sn.Posts {
		texts = append(texts, "response_url: "+string(p.Body))
	}
	for _, v := range sn.Views {
		for _, h := range v.History {
			texts = append(texts, "view: "+string(h))
		}
	}
	for _, f := range sn.Files {
		texts = append(texts, "file: "+f.Name+f.Title+f.InitialComment+string(f.Content))
	}
	for _, t := range texts {
		for what, v := range s.secrets() {
			if strings.Contains(t, v) {
				leaks = append(leaks, fmt.Sprintf("%s in %.120s", what, t))
			}
		}
	}
	return len(texts), leaks
}

// checkSecrets fails t on any leak and reports the scan.
func (s *stack) checkSecrets(scenario string) {
	s.t.Helper()
	n, leaks := s.scanSecrets()
	results.add(scenario, "secrets scan: %d log lines and Slack outputs, %d secrets found", n, len(leaks))
	for _, l := range leaks {
		s.t.Errorf("secret leaked: %s", l)
	}
}

// answered reports whether the envelope got an answer: a post to its response_url or a
// response payload in its ack.
func answered(sn *slackfake.Snapshot, envID string) (string, bool) {
	if ps := sn.ResponseURLPosts(envID); len(ps) > 0 {
		return ps[0].Text + string(ps[0].Blocks), true
	}
	if a, ok := sn.Ack(envID); ok && len(a.Payload) > 0 && string(a.Payload) != "null" {
		return string(a.Payload), true
	}
	return "", false
}
