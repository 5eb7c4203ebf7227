package main

import (
	"context"
	"os"

	"github.com/mdebot/mdebot/bot/alerts"
	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
	"golang.org/x/sync/errgroup"
)

// alertsEnabled reports whether alert notifications are on: a default channel or routes.
func (c Config) alertsEnabled() bool {
	return c.AlertChannel != "" || !c.AlertRouteRules.Empty()
}

// newAlerts builds the alert poller when notifications are on. Every replica builds one; only
// the holder of the leader lock in Redis polls.
func (a *app) newAlerts() {
	if !a.cfg.alertsEnabled() {
		return
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "mdebot"
	}
	a.alerts = alerts.NewPoller(a.mde, a.slack, a.store, alerts.Options{
		Owner:          host,
		DefaultChannel: a.cfg.AlertChannel,
		Routes:         a.cfg.AlertRouteRules,
		MinSeverity:    defender.Severity(a.cfg.AlertMinSeverity),
		Interval:       a.cfg.AlertPollInterval,
		Lookback:       a.cfg.AlertLookback,
		PortalURL:      a.cfg.Cloud.PortalURL,
		ActionButtons:  a.cfg.ActionsEnabled(),
		Log:            a.log,
		Registerer:     a.metrics,
	})
}

// alertDeps adds the mute verbs (audited to the trail) and the poller's status check.
func (a *app) alertDeps(d commands.Deps) commands.Deps {
	if a.alerts == nil {
		return d
	}
	d.Mutes = a.store
	d.MuteAudit = commands.MuteAuditFunc(a.auditMute)
	d.Probes = append(d.Probes, a.alerts.Probe())
	return d
}

// auditMute writes a mute or unmute to the audit trail, logs it, and mirrors it to the audit
// channel when there is one.
func (a *app) auditMute(ctx context.Context, e commands.AuditEntry) error {
	a.log.Info("audit", "event", e.Event, "actor", e.Actor, "verb", e.Verb, "target", e.Target,
		"machine", e.MachineID, "request", e.Request, "detail", e.Detail)
	id, err := a.store.AppendAudit(ctx, store.AuditEvent{Time: e.Time, Event: e.Event, Actor: e.Actor, Verb: e.Verb,
		Target: e.Target, MachineID: e.MachineID, Request: e.Request, Detail: e.Detail})
	if err != nil {
		return err
	}
	if a.appr.mirror != nil {
		e.ID = id
		a.appr.mirror.Record(ctx, e)
	}
	return nil
}

// wireAlertButtons registers Assign to me, Resolve and Isolate device on the bot when response
// actions are on (Isolate asks for a reason, then goes through the approval flow). When they are
// off, alert messages carry none of these buttons, and a click on one of an older message gets
// an answer saying so.
func (a *app) wireAlertButtons(authz *commands.Authorizer) {
	if a.alerts == nil {
		return
	}
	if a.appr.flow == nil {
		alerts.HandleButtonsOff(a.bot)
		return
	}
	alerts.HandleButtons(a.bot)
	alerts.HandleIsolate(a.bot)
}

// serveAlerts runs the poller with the app's other loops.
func (a *app) serveAlerts(ctx context.Context, g *errgroup.Group) {
	if a.alerts != nil {
		g.Go(func() error { return a.alerts.Run(ctx) })
	}
}
