package commands

import (
	"strings"
	"testing"
	"time"
)

// The audit trail names people, devices and reasons: `audit` is a responder verb. Every viewer
// could read it before.
func TestAuditNeedsResponder(t *testing.T) {
	t.Parallel()
	reg := auditRegistry(t, &auditFake{fn: trail(3)})
	authz := NewAuthorizer(Policy{Viewers: []string{"U0VIEW"}, Responders: []string{"U0RESP"}, Approvers: []string{"U0LEAD"}}, nil, 0, nil)
	rt := NewRouter(reg, authz, nil, nil)
	if resp := rt.Handle(t.Context(), Request{UserID: "U0VIEW", Text: "audit"}); !strings.Contains(resp.Text, "needs the responder role") {
		t.Errorf("a viewer ran audit: %q", resp.Text)
	}
	for _, u := range []string{"U0RESP"} {
		if resp := rt.Handle(t.Context(), Request{UserID: u, Text: "audit"}); resp.View == nil {
			t.Errorf("%s could not run audit: %q", u, resp.Text)
		}
	}
}

// A query that read its whole window without reaching the oldest entry says so, and from when.
func TestAuditSaysWhereItStopped(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)
	resp, err := runText(t, auditRegistry(t, &auditFake{fn: trail(2), stopped: at}), "audit <@U1>", 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	view := resp.View.(AuditView)
	if !strings.Contains(view.Stopped, "newest 10000 entries, back to 2026-11-02 08:30 UTC") || !strings.Contains(resp.Text, "stopped there") {
		t.Errorf("view = %+v, text %q", view, resp.Text)
	}
	resp, _ = runText(t, auditRegistry(t, &auditFake{fn: trail(2)}), "audit <@U1>", 0, time.Now())
	if v := resp.View.(AuditView); v.Stopped != "" {
		t.Errorf("a full search says it stopped: %q", v.Stopped)
	}
}
