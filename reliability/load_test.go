package reliability

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender/mdefake"
)

// TestLoad measures three replicas under an alert storm across 20 channels, a burst of slash
// commands from many users with a slow MDE, and approvals: ack p99, click-to-MDE p99, peak RSS,
// MDE calls per minute per API (against MDE's documented limits, which the fake enforces) and
// Redis commands per alert.
func TestLoad(t *testing.T) {
	need(t)
	t.Parallel()
	sc := "load (3 replicas)"
	const channels = 20
	nAlerts, alertSpan := pick(1000, 10000), pick(40*time.Second, 5*time.Minute)
	nCmds, nUsers, cmdSpan := pick(100, 500), pick(20, 50), pick(15*time.Second, time.Minute)
	nApprovals := pick(5, 20)
	var users []string
	for i := 1; i <= nUsers; i++ {
		users = append(users, fmt.Sprintf("U0LOAD%03d", i))
	}
	s := newStack(t, stackOptions{replicas: 3, quota: true, env: map[string]string{
		"MDEBOT_ALERT_ROUTES": routes(channels),
		"MDEBOT_VIEWERS":      viewer + "," + strings.Join(users, ","),
	}})
	alerts := newAlertSource(s, channels)
	var isoMachines []mdefake.Machine
	for i := range nApprovals {
		isoMachines = append(isoMachines, s.mde.AddMachine(mdefake.Machine{ComputerDNSName: fmt.Sprintf("rel-iso-%02d.contoso.com", i),
			OSPlatform: "Windows11", RBACGroupName: "RelIso", HealthStatus: "Active"}))
	}

	// The alert storm, alone, so that Redis's command count belongs to it.
	redisBefore := s.redis.commands(t)
	start := time.Now()
	alerts.stream(nAlerts, alertSpan)
	ac := s.waitAlerts(alerts.wanted(), pick(2*time.Minute, 5*time.Minute))
	rstat := s.redis.commands(t).since(redisBefore)
	results.add(sc, "alert storm: %d alerts over %s across %d channels, all shown %s after the first", nAlerts, alertSpan, channels, time.Since(start).Round(time.Second))
	results.add(sc, "%s", ac)
	scripts := rstat["evalsha"] + rstat["eval"]
	results.add(sc, "Redis commands per alert: %.1f (%d commands run by the server over the storm, every replica's included, each command inside a script counted; %d script calls)",
		float64(rstat.total())/float64(max(ac.posted, 1)), rstat.total(), scripts)
	results.add(sc, "Redis commands per alert, by command: %s", rstat.perAlert(ac.posted))

	// The command burst, with MDE answering every read after 1 s.
	remove := s.mde.Inject(mdefake.Fault{Method: http.MethodGet, PathContains: "/api/", Latency: time.Second})
	cmds := newCommander(s)
	verbs := []string{"machine " + mdefake.DemoAlice, "alerts limit=5", "machines", "indicators", "actions", "file " + mdefake.FakeSHA1("mimikatz.exe")}
	every := cmdSpan / time.Duration(nCmds)
	var wg sync.WaitGroup
	for i := range nCmds {
		wg.Go(func() { _, _ = cmds.send(users[i%len(users)], verbs[i%len(verbs)]) })
		waitFor(t, every)
	}
	wg.Wait()
	cc := cmds.wait(3 * time.Minute)
	remove()
	results.add(sc, "slash commands: %d from %d users over %s, MDE reads slowed to 1 s", nCmds, nUsers, cmdSpan)
	results.add(sc, "%s", cc)
	// A slow command is "answered" by its "Working on it" note while its MDE calls may still
	// wait for the budgets the replicas share (100 calls a minute per API for all three, where
	// the burst asks for several hundred): approvals start once the burst has drained, or after
	// 3 minutes; every command must have its final answer by the end.
	results.add(sc, "after the burst: %s", cmds.waitFinal(3*time.Minute))

	// Approvals: the time from the approving click to the isolation reaching MDE.
	var clickToMDE []time.Duration
	twice := 0
	for _, m := range isoMachines {
		c := s.request("isolate " + m.ComputerDNSName + " load test")
		clicked := time.Now()
		s.click(approver, c, "mde_approve")
		waitUntil(t, 60*time.Second, "the isolation of "+c.id, func() bool { return s.executed(c.id) > 0 })
		for _, r := range s.mde.Requests() {
			if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/isolate") && strings.Contains(string(r.Body), c.id) {
				clickToMDE = append(clickToMDE, r.At.Sub(clicked))
				break
			}
		}
		if s.executed(c.id) > 1 {
			twice++
		}
	}
	results.add(sc, "approvals %d: executed twice %d; click-to-MDE p50 %s, p99 %s", nApprovals, twice,
		percentile(clickToMDE, 50).Round(time.Millisecond), percentile(clickToMDE, 99).Round(time.Millisecond))
	fc := cmds.waitFinal(3 * time.Minute)
	results.add(sc, "at the end: %s", fc)
	results.add(sc, "peak RSS of a replica (VmHWM): %.1f MiB", s.peakRSS())
	over := s.reportRates(sc)
	s.checkSecrets(sc)
	if ac.lost > 0 || ac.duplicated > 0 {
		t.Errorf("%s", ac)
	}
	if cc.unanswered > 0 || fc.final < fc.sent {
		t.Errorf("%s; %s", cc, fc)
	}
	if twice > 0 {
		t.Errorf("%d approved isolations executed twice", twice)
	}
	if over > 0 {
		t.Errorf("%d MDE APIs called above their documented per-minute limit", over)
	}
}
