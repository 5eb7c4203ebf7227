package commands

import (
	"context"
	"slices"

	"github.com/mdebot/mdebot/defender"
	"golang.org/x/sync/errgroup"
)

func machineVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "machine",
		Usage:   "<machine>",
		Summary: "Show a device card: OS, health, risk, exposure, group, tags, last seen, IPs, open alerts, isolation and pending actions.",
		Details: []string{
			"<machine> is a device ID (40 hex characters), a computer name (exact, any case) or an IP address seen in the last 15 minutes.",
			"Example: `machine web01.contoso.com`",
		},
		Role: Viewer,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		arg, err := oneToken(c, "Name exactly one device.", "Name exactly one device.")
		if err != nil {
			return Response{}, err
		}
		m, choice, err := resolveMachine(ctx, d.MDE, c, arg)
		if err != nil || choice != nil {
			return deref(choice), err
		}
		view := machineCard(ctx, d, m)
		return Response{Text: "Device " + m.ComputerDNSName, View: view}, nil
	}
	return v
}

// machineCard gathers what a device card shows. Parts that cannot be read are marked unknown
// rather than failing the whole card.
func machineCard(ctx context.Context, d Deps, m defender.Machine) MachineView {
	view := MachineView{Machine: m, PortalURL: d.PortalURL}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		alerts, err := d.MDE.MachineAlerts(gctx, m.ID)
		if err != nil {
			view.AlertsUnknown = true
			return nil
		}
		for _, a := range alerts {
			if a.Status != defender.StatusResolved {
				view.OpenAlerts = append(view.OpenAlerts, a)
			}
		}
		slices.SortFunc(view.OpenAlerts, func(a, b defender.Alert) int {
			if r := b.Severity.Rank() - a.Severity.Rank(); r != 0 {
				return r
			}
			return b.LastUpdateTime.Compare(a.LastUpdateTime.Time)
		})
		return nil
	})
	g.Go(func() error {
		pending, err := d.MDE.PendingActions(gctx, m.ID)
		if err != nil {
			view.ActionsUnknown = true
			return nil
		}
		view.Pending = pending
		return nil
	})
	g.Go(func() error {
		view.Isolation = isolationState(gctx, d.MDE, m.ID)
		return nil
	})
	if d.Approvals != nil {
		g.Go(func() error {
			view.Contained, _ = d.Approvals.TimedReleases(gctx, m.ID)
			return nil
		})
	}
	_ = g.Wait()
	return view
}

// isolationState works out isolation from the newest succeeded Isolate or Unisolate action,
// since MDE's device entity has no such flag.
func isolationState(ctx context.Context, mde *defender.Client, machineID string) Isolation {
	f := defender.And(defender.Eq("machineId", machineID),
		defender.In("type", string(defender.ActionIsolate), string(defender.ActionUnisolate)),
		defender.Eq("status", string(defender.ActionSucceeded)))
	acts, err := mde.ListMachineActions(ctx, defender.ListOptions{Filter: f, Limit: 200})
	if err != nil {
		return Isolation{State: Unknown}
	}
	var newest *defender.MachineAction
	for i := range acts {
		if newest == nil || acts[i].LastUpdateDateTimeUTC.After(newest.LastUpdateDateTimeUTC.Time) {
			newest = &acts[i]
		}
	}
	switch {
	case newest == nil:
		return Isolation{State: NotIsolated}
	case newest.Type == defender.ActionIsolate:
		return Isolation{State: Isolated, Since: newest.LastUpdateDateTimeUTC.Time, Scope: newest.Scope}
	}
	return Isolation{State: NotIsolated, Since: newest.LastUpdateDateTimeUTC.Time}
}

func deref(r *Response) Response {
	if r == nil {
		return Response{}
	}
	return *r
}
