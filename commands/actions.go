package commands

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
)

// actionWindow is how far back `actions` without a device looks.
const actionWindow = 7 * 24 * time.Hour

func actionsVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "actions",
		Usage:   "[machine]",
		Summary: "List machine actions (isolation, scans, collections ...) and their status, newest first.",
		Details: []string{
			"Without a device, the actions of the last 7 days on every device; with one (ID, computer name or IP address), all of its actions.",
			"Example: `actions laptop-alice.contoso.com`",
		},
		Role: Viewer,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		_, pos, err := options(c)
		if err != nil {
			return Response{}, err
		}
		if len(pos) > 1 {
			return Response{}, badArg(v, "Name at most one device.")
		}
		offset, err := pageOffset(c)
		if err != nil {
			return Response{}, err
		}
		var f defender.Filter
		machineID := ""
		title := "Machine actions of the last 7 days"
		if len(pos) == 1 {
			if err := checkMachineArg(c, pos[0].Text); err != nil {
				return Response{}, err
			}
			m, choice, err := resolveMachine(ctx, d.MDE, c, pos[0])
			if err != nil || choice != nil {
				return deref(choice), err
			}
			f, machineID = defender.Eq("machineId", m.ID), m.ID
			title = "Machine actions on " + m.ComputerDNSName
		} else {
			f = defender.Ge("creationDateTimeUtc", callNow(c, d).Add(-actionWindow))
		}
		all, err := d.MDE.ListMachineActions(ctx, defender.ListOptions{Filter: f, Limit: scanCap + 1})
		if err != nil {
			return Response{}, err
		}
		view := ActionListView{Title: title}
		if len(all) > scanCap {
			all = all[:scanCap]
			view.Note = scanNote("actions")
		}
		slices.SortStableFunc(all, func(a, b defender.MachineAction) int {
			if r := b.CreationDateTimeUTC.Compare(a.CreationDateTimeUTC.Time); r != 0 {
				return r
			}
			return strings.Compare(a.ID, b.ID)
		})
		view.Actions, view.More = pageOf(c, all, offset, 0)
		if d.Approvals != nil && offset == 0 {
			view.Timed, _ = d.Approvals.TimedReleases(ctx, machineID)
		}
		return Response{Text: listText(title, len(all), 0, "action", "actions"), View: view}, nil
	}
	return v
}

func actionVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "action",
		Usage:   "<id>",
		Summary: "Show one machine action: type, device, who asked, status and times.",
		Details: []string{
			"<id> is the action's GUID, as `actions` lists it.",
			"Example: `action 7c1e5a5e-3f43-4d2b-9b1a-5b0f3a1e9d01`",
		},
		Role: Viewer,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		arg, err := oneToken(c, "Give the ID of the action.", "`action` takes exactly one action ID.")
		if err != nil {
			return Response{}, err
		}
		id := strings.TrimSpace(arg.Text)
		if !isGUID(id) {
			msg := "`%s` is not an action ID: action IDs are GUIDs such as 7c1e5a5e-3f43-4d2b-9b1a-5b0f3a1e9d01."
			if defender.IsMachineID(id) {
				msg += " That looks like a device ID: `actions <machine>` lists a device's actions."
			}
			return Response{}, badArg(v, msg, Plain(id, 60))
		}
		id = strings.ToLower(id)
		a, err := d.MDE.GetMachineAction(ctx, id)
		if errors.Is(err, defender.ErrNotFound) {
			return Response{}, Errorf(NotFound, "No machine action has the ID %s.", id)
		}
		if err != nil {
			return Response{}, err
		}
		text := string(a.Type) + " on " + a.ComputerDNSName + ": " + string(a.Status)
		return Response{Text: text, View: ActionView{Action: a, PortalURL: d.PortalURL}}, nil
	}
	return v
}
