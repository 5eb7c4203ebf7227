package defender

import "encoding/json"

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
