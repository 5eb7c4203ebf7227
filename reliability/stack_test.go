package reliability

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// The people and channels of the suite's workspace.
const (
	responder = "U0RESP"
	approver  = "U0LEAD"
	approver2 = "U0LEAD2"
	viewer    = "U0VIEW"
	stranger  = "U0NOBODY" // in the workspace, in no role
	cardChan  = "C0APPROVALS"
	auditChan = "C0AUDIT"
	socChan   = "C0SOC"
	alertChan = "C0ALERTS"
)

// The Entra application the fake knows; its secret is scanned for in every output.
const (
	tenantID = "00000000-0000-4000-8000-00000000a001"
	clientID = "00000000-0000-4000-8000-00000000c001"
)

// stack is the fakes, a real Redis and the replicas running against them.
type stack struct {
	t      *testing.T
	slack  *slackfake.Fake
	mde    *mdefake.Fake
	redis  *redisServer
	flaky  *flakySlack // in front of the Slack Web API; lets every post through until told
	secret string      // the client secret
	env    map[string]string
	bots   []*botProc
	mu     sync.Mutex
}

// stackOptions tune newStack.
type stackOptions struct {
	env      map[string]string // added to the replicas' environment
	replicas int
	quota    bool // the MDE fake enforces MDE's documented per-API limits (429)
}

// newStack starts the fakes, redis-server and the replicas.
func newStack(t *testing.T, o stackOptions) *stack {
	t.Helper()
	s := &stack{t: t, secret: "rel-client-secret-" + randHex(16)}
	s.redis = startRedis(t)
	var err error
	s.slack, err = slackfake.Start(slackfake.Options{BotToken: "xoxb-rel-" + randHex(16), AppToken: "xapp-rel-" + randHex(16)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.slack.Close)
	s.mde, err = mdefake.Start(mdefake.Options{NoQuota: !o.quota})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.mde.Close)
	s.mde.AddApp(mdefake.App{TenantID: tenantID, ClientID: clientID, Secret: s.secret, Roles: defendertest.AllRoles, GraphRoles: defendertest.AllGraphRoles})
	s.mde.Seed()
	s.flaky = startFlakySlack(t, s.slack.URL())
	ca := filepath.Join(t.TempDir(), "fakes-ca.pem")
	if err := os.WriteFile(ca, s.mde.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	s.env = map[string]string{
		"SLACK_APP_TOKEN": s.slack.AppToken(), "SLACK_BOT_TOKEN": s.slack.BotToken(),
		"MDEBOT_SLACK_API_URL": s.flaky.url + "/api/",
		"AZURE_TENANT_ID":      tenantID, "AZURE_CLIENT_ID": clientID, "AZURE_CLIENT_SECRET": s.secret,
		"AZURE_AUTHORITY_HOST": s.mde.AuthorityURL(), "MDEBOT_DEFENDER_URL": s.mde.MDEURL(),
		"MDEBOT_DEFENDER_SCOPE": s.mde.Scope(), "MDEBOT_GRAPH_URL": s.mde.GraphURL(),
		"SSL_CERT_FILE": ca, "REDIS_URL": s.redis.url(),
		"MDEBOT_RESPONDERS": responder, "MDEBOT_APPROVERS": approver + "," + approver2,
		"MDEBOT_VIEWERS":          viewer + "," + responder + "," + approver + "," + approver2,
		"MDEBOT_APPROVAL_CHANNEL": cardChan, "MDEBOT_AUDIT_CHANNEL": auditChan,
		"MDEBOT_ALERT_CHANNEL": alertChan, "MDEBOT_ALERT_MIN_SEVERITY": "Informational",
		"MDEBOT_ALERT_POLL_INTERVAL": "5s", "MDEBOT_ALERT_LOOKBACK": "1h",
		"MDEBOT_LOG_LEVEL": "info", "MDEBOT_LOG_FORMAT": "json",
	}
	maps.Copy(s.env, o.env)
	for i := range max(o.replicas, 1) {
		s.addBot(fmt.Sprintf("replica-%d", i+1))
	}
	s.waitSlack(fmt.Sprintf("%d replicas connected", len(s.bots)), 30*time.Second,
		func(sn *slackfake.Snapshot) bool { return sn.Live >= len(s.bots) })
	go s.tick()
	return s
}

// addBot starts one more replica.
func (s *stack) addBot(name string) *botProc {
	b := startBot(s.t, name, s.env)
	s.mu.Lock()
	s.bots = append(s.bots, b)
	s.mu.Unlock()
	return b
}

// tick keeps the MDE fake's clock on the wall clock, so machine actions move on and new alerts
// carry the present time.
func (s *stack) tick() {
	for {
		select {
		case <-s.t.Context().Done():
			return
		case <-time.After(200 * time.Millisecond):
			if now := time.Now().UTC(); now.After(s.mde.Now()) {
				s.mde.SetNow(now)
			}
		}
	}
}

// waitSlack waits for cond on the Slack fake's records.
func (s *stack) waitSlack(what string, d time.Duration, cond func(*slackfake.Snapshot) bool) *slackfake.Snapshot {
	s.t.Helper()
	ctx, cancel := contextWithTimeout(s.t, d)
	defer cancel()
	sn, err := s.slack.WaitFor(ctx, cond)
	if err != nil {
		s.t.Fatalf("waiting %s for %s: %v\n%s", d, what, err, s.logTail())
	}
	return sn
}

// logTail is the end of every replica's log.
func (s *stack) logTail() string {
	var b strings.Builder
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, bot := range s.bots {
		fmt.Fprintf(&b, "--- %s (alive %v)\n%s\n", bot.name, bot.alive(), tail(bot.logs.String(), 2500))
	}
	return b.String()
}

// leader returns the replica whose metrics say it holds the poller's leader lock.
func (s *stack) leader() *botProc {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.bots {
		if b.alive() && b.metric("mdebot_alert_poller_leader") == 1 {
			return b
		}
	}
	return nil
}

// peakRSS reads every live replica's VmHWM and returns the largest seen so far, in MiB.
func (s *stack) peakRSS() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var kb int64
	for _, b := range s.bots {
		if b.alive() {
			b.readHWM()
		}
		kb = max(kb, b.hwm)
	}
	return float64(kb) / 1024
}
