package defender

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"strings"
)

// PendingActions returns the non-final actions on a device (of any type).
func (c *Client) PendingActions(ctx context.Context, machineID string) ([]MachineAction, error) {
	if err := ValidateMachineID(machineID); err != nil {
		return nil, err
	}
	f := And(Eq("machineId", machineID), Or(Eq("status", string(ActionPending)), Eq("status", string(ActionInProgress))))
	return collect(c.MachineActions(ctx, ListOptions{Filter: f, Limit: 200}))
}

// MachineActions iterates over the machine actions the options select.
// https://learn.microsoft.com/defender-endpoint/api/get-machineactions-collection
func (c *Client) MachineActions(ctx context.Context, opts ListOptions) iter.Seq2[MachineAction, error] {
	return list[MachineAction](ctx, c, "machineactions", opts, nil)
}

// ListMachineActions returns every machine action the options select.
func (c *Client) ListMachineActions(ctx context.Context, opts ListOptions) ([]MachineAction, error) {
	return collect(c.MachineActions(ctx, opts))
}

// GetMachineAction returns one machine action.
// https://learn.microsoft.com/defender-endpoint/api/get-machineaction-object
func (c *Client) GetMachineAction(ctx context.Context, id string) (MachineAction, error) {
	var a MachineAction
	seg, err := segment(id)
	if err != nil {
		return a, err
	}
	err = c.do(ctx, call{method: http.MethodGet, path: "machineactions/" + seg}, &a)
	return a, err
}

// CancelAction cancels an action that is not final yet.
// https://learn.microsoft.com/defender-endpoint/api/cancel-machine-action
func (c *Client) CancelAction(ctx context.Context, id, comment string) (MachineAction, error) {
	var a MachineAction
	seg, err := segment(id)
	if err != nil {
		return a, err
	}
	if strings.TrimSpace(comment) == "" {
		return a, errors.New("defender: cancelling an action needs a comment")
	}
	err = c.do(ctx, call{method: http.MethodPost, path: "machineactions/" + seg + "/cancel", body: actionBody{Comment: comment}}, &a)
	return a, err
}
