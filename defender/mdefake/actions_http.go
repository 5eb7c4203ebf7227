package mdefake

import (
	"net/http"
	"strings"
	"time"
)

// actionKind is one machine action endpoint: its path segment (lower case), action type,
// permission and the body properties it takes besides Comment and ExternalID.
type actionKind struct {
	path, typ, role string
	extra           []string
}

func machineActionKinds() []actionKind {
	return []actionKind{
		{"isolate", "Isolate", "Machine.Isolate", []string{"IsolationType"}},
		{"unisolate", "Unisolate", "Machine.Isolate", nil},
		{"runantivirusscan", "RunAntiVirusScan", "Machine.Scan", []string{"ScanType"}},
		{"restrictcodeexecution", "RestrictCodeExecution", "Machine.RestrictExecution", nil},
		{"unrestrictcodeexecution", "UnrestrictCodeExecution", "Machine.RestrictExecution", nil},
		{"collectinvestigationpackage", "CollectInvestigationPackage", "Machine.CollectForensics", nil},
		{"stopandquarantinefile", "StopAndQuarantineFile", "Machine.StopAndQuarantine", []string{"Sha1"}},
	}
}

// machineActionHandler serves POST /api/machines/{id}/<action> for one kind of action.
func machineActionHandler(k actionKind) func(*call) {
	return func(c *call) {
		obj, aerr := decodeObject(c.body, append([]string{"Comment", "ExternalID"}, k.extra...)...)
		if aerr != nil {
			c.fail(aerr)
			return
		}
		a, aerr := actionFromBody(k, obj)
		if aerr != nil {
			c.fail(aerr)
			return
		}
		a.Requestor, a.RequestSource = c.appID, c.appID
		f := c.f
		f.mu.Lock()
		m := f.machineLocked(c.seg[1])
		if m == nil {
			f.mu.Unlock()
			c.fail(notFound("Machine %s was not found.", c.seg[1]))
			return
		}
		a.MachineID, a.ComputerDNSName = m.ID, m.ComputerDNSName
		created, aerr := f.createActionLocked(a)
		f.mu.Unlock()
		if aerr != nil {
			c.fail(aerr)
			return
		}
		writeJSON(c.w, http.StatusCreated, created)
	}
}

// actionFromBody validates the body of an action request and builds the action it asks for.
func actionFromBody(k actionKind, obj jsonObject) (MachineAction, *apiError) {
	a := MachineAction{Type: k.typ}
	comment, aerr := obj.required("Comment")
	if aerr != nil {
		return a, aerr
	}
	a.RequestorComment = comment
	if ext, ok, aerr := obj.str("ExternalID"); aerr != nil {
		return a, aerr
	} else if ok {
		a.ExternalID = &ext
	}
	switch k.typ {
	case "Isolate":
		scope, ok, aerr := obj.oneOf("IsolationType", "Full", "Selective", "UnManagedDevice")
		if aerr != nil {
			return a, aerr
		}
		if !ok {
			scope = "Full"
		}
		a.Scope = &scope
	case "RunAntiVirusScan":
		scope, aerr := obj.required("ScanType")
		if aerr != nil {
			return a, aerr
		}
		if scope != "Quick" && scope != "Full" {
			return a, badRequest("InvalidRequestBody", "The value %q of ScanType is not one of Quick, Full.", scope)
		}
		a.Scope = &scope
	case "StopAndQuarantineFile":
		sha1, aerr := obj.required("Sha1")
		if aerr != nil {
			return a, aerr
		}
		if !isHex(sha1, 40) {
			return a, badRequest("InvalidHashValue", "Sha1 must be 40 hexadecimal characters.")
		}
		a.RelatedFileInfo = &RelatedFileInfo{FileIdentifier: strings.ToLower(sha1), FileIdentifierType: "Sha1"}
	}
	return a, nil
}

// listActions serves GET /api/machineactions.
func listActions(c *call) {
	listAll(c, "MachineActions", actionFields(), c.f.listedActions())
}

// getAction serves GET /api/machineactions/{id}.
func getAction(c *call) {
	a, ok := c.f.Action(c.seg[1])
	if !ok {
		c.fail(notFound("Machine action %s was not found.", c.seg[1]))
		return
	}
	c.ok(a)
}

// cancelAction serves POST /api/machineactions/{id}/cancel.
func cancelAction(c *call) {
	obj, aerr := decodeObject(c.body, "Comment")
	if aerr != nil {
		c.fail(aerr)
		return
	}
	comment, aerr := obj.required("Comment")
	if aerr != nil {
		c.fail(aerr)
		return
	}
	f := c.f
	f.mu.Lock()
	rec := f.actionLocked(c.seg[1])
	if rec == nil {
		f.mu.Unlock()
		c.fail(notFound("Machine action %s was not found.", c.seg[1]))
		return
	}
	if IsFinal(rec.a.Status) {
		status := rec.a.Status
		f.mu.Unlock()
		c.fail(badRequest("BadRequest", "Machine action %s is already %s and can no longer be cancelled.", c.seg[1], status))
		return
	}
	now, requestor := f.now, c.appID
	rec.a.Status = StatusCancelled
	rec.a.LastUpdateDateTimeUTC = now
	rec.a.CancellationRequestor = &requestor
	rec.a.CancellationComment = &comment
	rec.a.CancellationDateTimeUTC = &now
	out := rec.a.clone()
	f.mu.Unlock()
	c.ok(out)
}

// packageURI serves GET /api/machineactions/{id}/GetPackageUri: 404 until the collection
// succeeded, then a short-lived signed link to /package/{id}.zip on the MDE host.
func packageURI(c *call) {
	a, ok := c.f.Action(c.seg[1])
	switch {
	case !ok:
		c.fail(notFound("Machine action %s was not found.", c.seg[1]))
	case a.Type != "CollectInvestigationPackage":
		c.fail(badRequest("BadRequest", "Machine action %s is not an investigation package collection.", a.ID))
	case a.Status != StatusSucceeded:
		c.fail(notFound("The investigation package of machine action %s is not ready.", a.ID))
	default:
		// The documented reply carries the link inside literal quotes within the JSON string
		// ("value": "\"https://...\""), Get package SAS URI API,
		// https://learn.microsoft.com/defender-endpoint/api/get-package-sas-uri.
		c.ok(map[string]string{"value": `"` + c.f.packageLink(a.ID, time.Now().Add(30*time.Minute)) + `"`})
	}
}
