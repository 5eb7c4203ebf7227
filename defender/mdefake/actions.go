package mdefake

import (
	"time"

	"github.com/google/uuid"
)

// Machine action statuses.
const (
	StatusPending    = "Pending"
	StatusInProgress = "InProgress"
	StatusSucceeded  = "Succeeded"
	StatusFailed     = "Failed"
	StatusTimeOut    = "TimeOut"
	StatusCancelled  = "Cancelled"
)

// MachineAction is an MDE machine action with the JSON names of the machineAction resource.
type MachineAction struct {
	ID                      string           `json:"id"`
	Type                    string           `json:"type"`
	Scope                   *string          `json:"scope"`
	Requestor               string           `json:"requestor"`
	RequestSource           string           `json:"requestSource"`
	RequestorComment        string           `json:"requestorComment"`
	Status                  string           `json:"status"`
	MachineID               string           `json:"machineId"`
	ComputerDNSName         string           `json:"computerDnsName"`
	CreationDateTimeUTC     time.Time        `json:"creationDateTimeUtc"`
	LastUpdateDateTimeUTC   time.Time        `json:"lastUpdateDateTimeUtc"`
	CancellationRequestor   *string          `json:"cancellationRequestor"`
	CancellationComment     *string          `json:"cancellationComment"`
	CancellationDateTimeUTC *time.Time       `json:"cancellationDateTimeUtc"`
	ErrorHResult            int              `json:"errorHResult"`
	ExternalID              *string          `json:"externalID"`
	RelatedFileInfo         *RelatedFileInfo `json:"relatedFileInfo"`
}

// RelatedFileInfo names the file of a StopAndQuarantineFile action.
type RelatedFileInfo struct {
	FileIdentifier     string `json:"fileIdentifier"`
	FileIdentifierType string `json:"fileIdentifierType"`
}

// IsFinal reports whether status is one an action never leaves.
func IsFinal(status string) bool {
	switch status {
	case StatusSucceeded, StatusFailed, StatusTimeOut, StatusCancelled:
		return true
	}
	return false
}

func (a MachineAction) clone() MachineAction {
	a.Scope = clonePtr(a.Scope)
	a.CancellationRequestor = clonePtr(a.CancellationRequestor)
	a.CancellationComment = clonePtr(a.CancellationComment)
	a.CancellationDateTimeUTC = clonePtr(a.CancellationDateTimeUTC)
	a.ExternalID = clonePtr(a.ExternalID)
	a.RelatedFileInfo = clonePtr(a.RelatedFileInfo)
	return a
}

// actionRec is a stored action and the timeline it was created with.
type actionRec struct {
	a                   MachineAction
	pending, inProgress time.Duration
}

// outcomeKey selects the final status of actions of a type on a machine ("" = any machine).
type outcomeKey struct{ actionType, machineID string }

// actionFields are the properties GET /api/machineactions accepts in $filter.
func actionFields() fields[MachineAction] {
	return fields[MachineAction]{
		"id":                  {kindString, func(a *MachineAction) value { return strVal(a.ID) }},
		"status":              {kindString, func(a *MachineAction) value { return strVal(a.Status) }},
		"machineid":           {kindString, func(a *MachineAction) value { return strVal(a.MachineID) }},
		"type":                {kindString, func(a *MachineAction) value { return strVal(a.Type) }},
		"requestor":           {kindString, func(a *MachineAction) value { return strVal(a.Requestor) }},
		"creationdatetimeutc": {kindTime, func(a *MachineAction) value { return timeVal(a.CreationDateTimeUTC) }},
	}
}

// SetActionTimeline sets how long new actions stay Pending and then InProgress on the fake's
// clock before they reach their final status (defaults 10s and 20s).
func (f *Fake) SetActionTimeline(pending, inProgress time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.timeline = [2]time.Duration{pending, inProgress}
}

// SetActionOutcome sets the final status (Succeeded, Failed or TimeOut) of actions of actionType
// (e.g. "Isolate") on machineID, or on every machine when machineID is "". It applies to actions
// that have not reached their final status yet.
func (f *Fake) SetActionOutcome(actionType, machineID, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.outcomes[outcomeKey{actionType, machineID}] = status
}

// Actions returns copies of all machine actions, oldest first, with their current status.
func (f *Fake) Actions() []MachineAction {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]MachineAction, len(f.actions))
	for i := range f.actions {
		f.progressLocked(&f.actions[i])
		out[i] = f.actions[i].a.clone()
	}
	return out
}

// Action returns a copy of the machine action with the given id, with its current status.
func (f *Fake) Action(id string) (MachineAction, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec := f.actionLocked(id)
	if rec == nil {
		return MachineAction{}, false
	}
	return rec.a.clone(), true
}

// actionLocked finds and progresses an action. f.mu must be held.
func (f *Fake) actionLocked(id string) *actionRec {
	i, ok := f.actionIdx[id]
	if !ok {
		return nil
	}
	f.progressLocked(&f.actions[i])
	return &f.actions[i]
}

// progressLocked moves an action along its timeline up to the fake's now. f.mu must be held.
func (f *Fake) progressLocked(rec *actionRec) {
	a := &rec.a
	if IsFinal(a.Status) {
		return
	}
	elapsed := f.now.Sub(a.CreationDateTimeUTC)
	switch {
	case elapsed >= rec.pending+rec.inProgress:
		a.Status = f.outcomeLocked(a.Type, a.MachineID)
		a.LastUpdateDateTimeUTC = a.CreationDateTimeUTC.Add(rec.pending + rec.inProgress)
		if a.Status == StatusFailed {
			a.ErrorHResult = -2147024894
		}
	case elapsed >= rec.pending:
		a.Status = StatusInProgress
		a.LastUpdateDateTimeUTC = a.CreationDateTimeUTC.Add(rec.pending)
	}
}

func (f *Fake) outcomeLocked(actionType, machineID string) string {
	if s, ok := f.outcomes[outcomeKey{actionType, machineID}]; ok {
		return s
	}
	if s, ok := f.outcomes[outcomeKey{actionType, ""}]; ok {
		return s
	}
	return StatusSucceeded
}

// createActionLocked stores a new Pending action unless a non-final one of the same type exists
// on the machine. f.mu must be held.
func (f *Fake) createActionLocked(a MachineAction) (MachineAction, *apiError) {
	for i := range f.actions {
		rec := &f.actions[i]
		if rec.a.MachineID != a.MachineID || rec.a.Type != a.Type {
			continue
		}
		if f.progressLocked(rec); !IsFinal(rec.a.Status) {
			// A repeated antivirus scan "returns pending machine action or HTTP 400 with the
			// message Action is already in progress" (Run antivirus scan API,
			// https://learn.microsoft.com/defender-endpoint/api/run-av-scan): the fake answers
			// a scan with the existing action, every other type with the 400.
			if a.Type == "RunAntiVirusScan" {
				return rec.a.clone(), nil
			}
			return MachineAction{}, badRequest("ActiveRequestAlreadyExists", "Action is already in progress")
		}
	}
	a.ID = uuid.NewString()
	a.Status = StatusPending
	a.CreationDateTimeUTC = f.now
	a.LastUpdateDateTimeUTC = f.now
	f.actionIdx[a.ID] = len(f.actions)
	f.actions = append(f.actions, actionRec{a: a, pending: f.timeline[0], inProgress: f.timeline[1]})
	return a.clone(), nil
}
