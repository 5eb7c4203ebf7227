package defender

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Isolate cuts a device off the network (Full) or all but Outlook, Teams and Skype (Selective).
// https://learn.microsoft.com/defender-endpoint/api/isolate-machine
func (c *Client) Isolate(ctx context.Context, machineID, comment string, t IsolationType) (ActionResult, error) {
	if t == "" {
		t = IsolationFull
	}
	if t != IsolationFull && t != IsolationSelective {
		return ActionResult{}, &ValidationError{Kind: "isolation type", Reason: "use Full or Selective"}
	}
	return c.machineAction(ctx, machineID, ActionIsolate, "isolate", actionBody{Comment: comment, IsolationType: t})
}

// Unisolate releases a device from isolation.
// https://learn.microsoft.com/defender-endpoint/api/unisolate-machine
func (c *Client) Unisolate(ctx context.Context, machineID, comment string) (ActionResult, error) {
	return c.machineAction(ctx, machineID, ActionUnisolate, "unisolate", actionBody{Comment: comment})
}

// RunAntivirusScan starts a Quick or Full Microsoft Defender Antivirus scan.
// https://learn.microsoft.com/defender-endpoint/api/run-av-scan
func (c *Client) RunAntivirusScan(ctx context.Context, machineID, comment string, t ScanType) (ActionResult, error) {
	if t == "" {
		t = ScanQuick
	}
	if t != ScanQuick && t != ScanFull {
		return ActionResult{}, &ValidationError{Kind: "scan type", Reason: "use Quick or Full"}
	}
	return c.machineAction(ctx, machineID, ActionScan, "runAntiVirusScan", actionBody{Comment: comment, ScanType: t})
}

// RestrictCodeExecution lets only Microsoft-signed code run on a device.
// https://learn.microsoft.com/defender-endpoint/api/restrict-code-execution
func (c *Client) RestrictCodeExecution(ctx context.Context, machineID, comment string) (ActionResult, error) {
	return c.machineAction(ctx, machineID, ActionRestrict, "restrictCodeExecution", actionBody{Comment: comment})
}

// UnrestrictCodeExecution lifts the code execution restriction.
// https://learn.microsoft.com/defender-endpoint/api/unrestrict-code-execution
func (c *Client) UnrestrictCodeExecution(ctx context.Context, machineID, comment string) (ActionResult, error) {
	return c.machineAction(ctx, machineID, ActionUnrestrict, "unrestrictCodeExecution", actionBody{Comment: comment})
}

// CollectInvestigationPackage collects a forensics package; fetch it with PackageURI once the
// action has succeeded.
// https://learn.microsoft.com/defender-endpoint/api/collect-investigation-package
func (c *Client) CollectInvestigationPackage(ctx context.Context, machineID, comment string) (ActionResult, error) {
	return c.machineAction(ctx, machineID, ActionCollectPackage, "collectInvestigationPackage", actionBody{Comment: comment})
}

// StopAndQuarantineFile stops a file's processes and quarantines it on a device.
// https://learn.microsoft.com/defender-endpoint/api/stop-and-quarantine-file
func (c *Client) StopAndQuarantineFile(ctx context.Context, machineID, sha1, comment string) (ActionResult, error) {
	if err := ValidateSHA1(sha1); err != nil {
		return ActionResult{}, err
	}
	body := actionBody{Comment: comment, SHA1: strings.ToLower(sha1)}
	return c.machineAction(ctx, machineID, ActionStopAndQuarantine, "StopAndQuarantineFile", body)
}

// ambiguousLookup bounds the look-up that settles an action request that got no clear answer.
const ambiguousLookup = 20 * time.Second

// machineAction sends one response action at most once: it first looks for a pending action of
// the same type on the device; MDE's "already in progress" answer becomes AlreadyPending; and a
// request that got no answer (a timeout, a dropped connection) is looked up by its comment
// before it is reported as failed, because MDE may have created it.
func (c *Client) machineAction(ctx context.Context, machineID string, t ActionType, verb string, body actionBody) (ActionResult, error) {
	if err := ValidateMachineID(machineID); err != nil {
		return ActionResult{}, err
	}
	if strings.TrimSpace(body.Comment) == "" {
		return ActionResult{}, errors.New("defender: a response action needs a comment")
	}
	if existing, ok, err := c.pendingAction(ctx, machineID, t, ""); err != nil {
		return ActionResult{}, err
	} else if ok {
		return ActionResult{Action: existing, AlreadyPending: true}, nil
	}
	var a MachineAction
	err := c.do(ctx, call{method: http.MethodPost, path: "machines/" + machineID + "/" + verb, body: body, noRetry: true}, &a)
	if err == nil {
		// A repeated scan "returns pending machine action" (Run antivirus scan API,
		// https://learn.microsoft.com/defender-endpoint/api/run-av-scan): a 2xx carrying an
		// action this request did not make, which its comment (unique to each request) shows.
		// Other types answer 400 ActiveRequestAlreadyExists instead.
		existing := t == ActionScan && a.RequestorComment != "" && a.RequestorComment != body.Comment
		return ActionResult{Action: a, AlreadyPending: existing}, nil
	}
	var apiErr *APIError
	var tErr *TransportError
	switch {
	case errors.As(err, &apiErr) && apiErr.alreadyPending():
		if existing, ok, lerr := c.pendingAction(ctx, machineID, t, ""); lerr == nil && ok {
			return ActionResult{Action: existing, AlreadyPending: true}, nil
		}
	case errors.As(err, &tErr), errors.As(err, &apiErr) && apiErr.StatusCode >= 500,
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		// Ambiguous: MDE may have created the action. Look for the one this very request made,
		// on a context of its own, since the caller's may be the one that ran out.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ambiguousLookup)
		defer cancel()
		if ours, ok, lerr := c.pendingAction(lctx, machineID, t, body.Comment); lerr == nil && ok {
			return ActionResult{Action: ours}, nil
		}
	}
	return ActionResult{}, err
}

// pendingAction returns the newest non-final action of type t on a device, optionally only one
// with the given requestor comment.
func (c *Client) pendingAction(ctx context.Context, machineID string, t ActionType, comment string) (MachineAction, bool, error) {
	f := And(Eq("machineId", machineID), Eq("type", string(t)),
		Or(Eq("status", string(ActionPending)), Eq("status", string(ActionInProgress))))
	var newest MachineAction
	found := false
	for a, err := range c.MachineActions(ctx, ListOptions{Filter: f, Limit: 100}) {
		if err != nil {
			return MachineAction{}, false, err
		}
		if a.Status.Final() || (comment != "" && a.RequestorComment != comment) {
			continue
		}
		if !found || a.CreationDateTimeUTC.After(newest.CreationDateTimeUTC.Time) {
			newest, found = a, true
		}
	}
	return newest, found, nil
}
