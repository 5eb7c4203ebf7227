package main

import (
	"context"
	"crypto/rand"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mdebot/mdebot/bot/approvals"
	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/store"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"
)

// approvalSeams are what tests change in the approval workflow; the zero value is production.
type approvalSeams struct {
	// now is the workflow's clock; time.Now when nil. When set (tests, and the demo, which move
	// it by hand), the store's decisions by time follow it too; otherwise the Redis server's
	// clock decides them.
	now func() time.Time
	// sweepEvery is the sweeper's interval: 0 for approvals.DefaultSweepEvery, negative for no
	// sweeper loop (tests sweep by hand).
	sweepEvery time.Duration
	// redis, when set, is used instead of REDIS_URL (and not closed), so that several apps in
	// one test share one Redis as replicas do.
	redis redis.UniversalClient
}

// approvalWiring is the response-action part of the app: the workflow, its Slack cards, and the
// audit channel mirror. All are nil when response actions are off (no MDEBOT_RESPONDERS).
type approvalWiring struct {
	approvalSeams
	flow   *commands.Approvals
	cards  *approvals.Cards
	mirror *approvals.AuditMirror
}

// storeOptions are the store's options: production (no injected clock) decides by the Redis
// server's clock, whatever the replica's says.
func (w approvalSeams) storeOptions() []store.Option {
	if w.now == nil {
		return nil
	}
	return []store.Option{store.WithCallerClockForTests()}
}

func (w *approvalWiring) clock() func() time.Time {
	if w.now == nil {
		return time.Now
	}
	return w.now
}

// newApprovals builds the workflow when response actions are on.
func (a *app) newApprovals(authz *commands.Authorizer) error {
	if !a.cfg.ActionsEnabled() {
		return nil
	}
	var sink commands.AuditSink
	if a.cfg.AuditChannel != "" {
		a.appr.mirror = approvals.NewAuditMirror(a.slack, a.cfg.AuditChannel, a.log, nil)
		sink = a.appr.mirror
	}
	flow, err := commands.NewApprovals(commands.ApprovalsConfig{
		Store: a.store, MDE: a.mde, Authz: authz, Policy: a.cfg.ApprovalRules(), Sink: sink,
		Users: approvals.UserDirectory{API: a.slack}, PortalURL: a.cfg.Cloud.PortalURL, Now: a.appr.clock(), Log: a.log,
		Metrics: a.cmdMetrics, Owner: replicaName(),
	})
	a.appr.flow = flow
	return err
}

// replicaName names this replica in execution claims (and so in the logs of a takeover): the
// host, the process id, and a random suffix that tells apart replicas in one process (tests).
func replicaName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "mdebot"
	}
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + strings.ToLower(rand.Text()[:6])
}

// approvalDeps adds the workflow to the verbs' dependencies.
func (a *app) approvalDeps(d commands.Deps) commands.Deps {
	if a.appr.flow != nil {
		d.Approvals, d.Audit = a.appr.flow, a.appr.flow
	}
	return d
}

// wireApprovalCards registers the approval buttons and modals on the bot.
func (a *app) wireApprovalCards() {
	if a.appr.flow == nil {
		return
	}
	a.appr.cards = approvals.New(a.bot, a.slack, a.appr.flow, approvals.Options{Channel: a.cfg.ApprovalChannel, Now: a.appr.clock(), Log: a.log})
}

// serveApprovals runs the sweeper and the audit mirror with the app's other loops.
func (a *app) serveApprovals(ctx context.Context, g *errgroup.Group) {
	if a.appr.cards != nil && a.appr.sweepEvery >= 0 {
		g.Go(func() error { return a.appr.cards.RunSweeper(ctx, a.appr.sweepEvery) })
	}
	if a.appr.mirror != nil {
		g.Go(func() error { return a.appr.mirror.Run(ctx) })
	}
}
