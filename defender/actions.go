package defender

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ActionType is the type of a machine action.
type ActionType string

// Machine action types.
const (
	ActionIsolate           ActionType = "Isolate"
	ActionUnisolate         ActionType = "Unisolate"
	ActionScan              ActionType = "RunAntiVirusScan"
	ActionRestrict          ActionType = "RestrictCodeExecution"
	ActionUnrestrict        ActionType = "UnrestrictCodeExecution"
	ActionCollectPackage    ActionType = "CollectInvestigationPackage"
	ActionStopAndQuarantine ActionType = "StopAndQuarantineFile"
	ActionOffboard          ActionType = "Offboard"
	ActionLiveResponse      ActionType = "LiveResponse"
)

// ActionStatus is the state of a machine action.
type ActionStatus string

// Machine action states; the last four are final.
const (
	ActionPending    ActionStatus = "Pending"
	ActionInProgress ActionStatus = "InProgress"
	ActionSucceeded  ActionStatus = "Succeeded"
	ActionFailed     ActionStatus = "Failed"
	ActionTimeOut    ActionStatus = "TimeOut"
	ActionCancelled  ActionStatus = "Cancelled"
)

// Final reports whether the action can no longer change (and can no longer be cancelled).
func (s ActionStatus) Final() bool {
	switch s {
	case ActionSucceeded, ActionFailed, ActionTimeOut, ActionCancelled:
		return true
	}
	return false
}

// IsolationType is the kind of isolation.
type IsolationType string

// Isolation types.
const (
	IsolationFull      IsolationType = "Full"
	IsolationSelective IsolationType = "Selective"
)

// ScanType is the kind of antivirus scan.
type ScanType string

// Scan types.
const (
	ScanQuick ScanType = "Quick"
	ScanFull  ScanType = "Full"
)

// MachineAction is a response action and its state.
// https://learn.microsoft.com/defender-endpoint/api/machineaction
type MachineAction struct {
	ID                      string          `json:"id"`
	Type                    ActionType      `json:"type"`
	Scope                   string          `json:"scope,omitempty"`
	Requestor               string          `json:"requestor,omitempty"`
	RequestSource           string          `json:"requestSource,omitempty"`
	RequestorComment        string          `json:"requestorComment,omitempty"`
	Status                  ActionStatus    `json:"status"`
	MachineID               string          `json:"machineId,omitempty"`
	ComputerDNSName         string          `json:"computerDnsName,omitempty"`
	CreationDateTimeUTC     Timestamp       `json:"creationDateTimeUtc"`
	LastUpdateDateTimeUTC   Timestamp       `json:"lastUpdateDateTimeUtc"`
	CancellationRequestor   string          `json:"cancellationRequestor,omitempty"`
	CancellationComment     string          `json:"cancellationComment,omitempty"`
	CancellationDateTimeUTC Timestamp       `json:"cancellationDateTimeUtc"`
	ErrorHResult            int64           `json:"errorHResult,omitempty"`
	ExternalID              string          `json:"externalID,omitempty"`
	Title                   string          `json:"title,omitempty"`
	RelatedFileInfo         *RelatedFile    `json:"relatedFileInfo,omitempty"`
	TroubleshootInfo        json.RawMessage `json:"troubleshootInfo,omitempty"`
}

// RelatedFile is the file a StopAndQuarantineFile action is about.
type RelatedFile struct {
	FileIdentifier     string `json:"fileIdentifier"`
	FileIdentifierType string `json:"fileIdentifierType"`
}

// UnmarshalJSON reads a machine action, accepting both spellings the docs use for the last
// update time (lastUpdateDateTimeUtc and lastUpdateTimeUtc).
func (a *MachineAction) UnmarshalJSON(b []byte) error {
	type plain MachineAction
	var aux struct {
		plain
		Legacy Timestamp `json:"lastUpdateTimeUtc"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*a = MachineAction(aux.plain)
	if a.LastUpdateDateTimeUTC.IsZero() {
		a.LastUpdateDateTimeUTC = aux.Legacy
	}
	return nil
}

// ActionResult is the outcome of asking for a response action. When AlreadyPending is set, MDE
// already had an action of the same type pending on the device; Action is that existing action
// and nothing new was sent.
type ActionResult struct {
	Action         MachineAction
	AlreadyPending bool
}

type actionBody struct {
	Comment       string        `json:"Comment"`
	IsolationType IsolationType `json:"IsolationType,omitempty"`
	ScanType      ScanType      `json:"ScanType,omitempty"`
	SHA1          string        `json:"Sha1,omitempty"`
}

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

// PackageURI returns the short-lived download link of a collected investigation package. MDE
// answers 404 (ErrNotFound) until the collection has succeeded.
// https://learn.microsoft.com/defender-endpoint/api/get-package-sas-uri
func (c *Client) PackageURI(ctx context.Context, actionID string) (string, error) {
	seg, err := segment(actionID)
	if err != nil {
		return "", err
	}
	var v struct {
		Value string `json:"value"`
	}
	if err = c.do(ctx, call{method: http.MethodGet, path: "machineactions/" + seg + "/GetPackageUri"}, &v); err != nil {
		return "", err
	}
	return packageLink(v.Value)
}

// packageLink reads GetPackageUri's value, which the docs show with literal quotes inside the
// JSON string ("value": "\"https://userrequests-us.securitycenter.windows.com:443/...\""), and
// accepts only an absolute https URL.
func packageLink(v string) (string, error) {
	s := strings.TrimSpace(v)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || strings.ContainsAny(s, "\"\r\n ") {
		return "", errors.New("defender: the investigation package link is not an https URL")
	}
	return s, nil
}
