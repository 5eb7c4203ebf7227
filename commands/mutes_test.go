package commands

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/mdebot/mdebot/store"
)

// memMutes is a MuteStore in memory.
type memMutes struct {
	mutes []store.Mute
	fail  error
}

func (m *memMutes) AddMute(_ context.Context, mu store.Mute, _ time.Time) (store.Mute, error) {
	if m.fail != nil {
		return mu, m.fail
	}
	m.mutes = append(m.mutes, mu)
	return mu, nil
}

func (m *memMutes) Mutes(_ context.Context, now time.Time) ([]store.Mute, error) {
	var out []store.Mute
	for _, mu := range m.mutes {
		if mu.Until.After(now) {
			out = append(out, mu)
		}
	}
	return out, m.fail
}

func (m *memMutes) RemoveMute(_ context.Context, id string) (store.Mute, error) {
	for i, mu := range m.mutes {
		if mu.ID == id {
			m.mutes = append(m.mutes[:i], m.mutes[i+1:]...)
			return mu, nil
		}
	}
	return store.Mute{}, store.ErrNotFound
}

// muteFixture is the seeded MDE fake with the mute verbs over an in-memory store.
func muteFixture(t *testing.T) (*fixture, *memMutes, *[]AuditEntry) {
	t.Helper()
	f := newFixture(t)
	mm := &memMutes{}
	var audit []AuditEntry
	f.deps.Mutes = mm
	f.deps.MuteAudit = MuteAuditFunc(func(_ context.Context, e AuditEntry) error { audit = append(audit, e); return nil })
	reg, err := Build(f.deps)
	if err != nil {
		t.Fatal(err)
	}
	f.reg = reg
	return f, mm, &audit
}

func TestMuteVerbs(t *testing.T) {
	t.Parallel()
	f, mm, audit := muteFixture(t)
	bob := machineID(mdefake.DemoBob)
	sha := mdefake.FakeSHA1("mimikatz.exe")
	for _, tc := range []struct {
		text, kind, value, label, reason string
		dur                              time.Duration
	}{
		{"mute machine " + mdefake.DemoBob + " for 4h patching tonight", store.MuteMachine, bob, mdefake.DemoBob, "patching tonight", 4 * time.Hour},
		{`mute title "Network  scan detected" for 1d known admin script`, store.MuteTitle, "network scan detected", "Network  scan detected", "known admin script", 24 * time.Hour},
		{"mute title Mimikatz for the win for 30m test for fun", store.MuteTitle, "mimikatz for the win", "Mimikatz for the win", "test for fun", 30 * time.Minute},
		{"mute sha1 " + strings.ToUpper(sha) + " for 1h30m <@U2> said so", store.MuteSHA1, sha, "", "@U2 said so", 90 * time.Minute},
		{"mute " + mdefake.DemoBob + " for 1h noisy box", store.MuteMachine, bob, mdefake.DemoBob, "noisy box", time.Hour},
		{"mute " + sha + " for 1h known tool", store.MuteSHA1, sha, "", "known tool", time.Hour},
	} {
		resp := f.mustRun(t, tc.text, 0)
		got := mm.mutes[len(mm.mutes)-1]
		if got.Kind != tc.kind || got.Value != tc.value || got.Label != tc.label || got.Reason != tc.reason ||
			!got.Until.Equal(f.now.Add(tc.dur)) || got.Creator != "U1" || !isMuteID(got.ID) {
			t.Errorf("%q stored %+v", tc.text, got)
		}
		if !resp.InChannel || !strings.Contains(resp.Text, got.ID) {
			t.Errorf("%q answered %+v", tc.text, resp)
		}
		e := (*audit)[len(*audit)-1]
		if e.Event != "muted" || e.Actor != "U1" || e.Request != got.ID || !strings.Contains(e.Detail, tc.reason) {
			t.Errorf("%q audited %+v", tc.text, e)
		}
	}
	if (*audit)[0].MachineID != bob {
		t.Errorf("the machine mute's audit entry has device %q", (*audit)[0].MachineID)
	}

	resp := f.mustRun(t, "mutes", 0)
	if v, ok := resp.View.(MuteListView); !ok || len(v.Mutes) != 6 {
		t.Fatalf("mutes = %+v", resp)
	}
	id := mm.mutes[0].ID
	resp = f.mustRun(t, "unmute "+strings.ToUpper(id)+" done early", 0)
	if !strings.Contains(resp.Text, "Lifted mute "+id) || len(mm.mutes) != 5 {
		t.Fatalf("unmute = %q, %d left", resp.Text, len(mm.mutes))
	}
	if e := (*audit)[len(*audit)-1]; e.Event != "unmuted" || e.Request != id || !strings.Contains(e.Detail, "done early") {
		t.Errorf("unmute audited %+v", e)
	}
	if _, err := f.run(t, "unmute "+id, 0); !strings.Contains(ErrorMessage(err, testRef), "No mute") {
		t.Errorf("second unmute: %v", err)
	}
}

func TestMuteRefusals(t *testing.T) {
	t.Parallel()
	f, mm, audit := muteFixture(t)
	for text, want := range map[string]string{
		"mute":                                                 "Say what to mute",
		"mute user bob for 1h x":                               "is not one device or SHA-1",
		"mute nosuch.contoso.com for 1h x":                     "not a SHA-1 (40 hex characters) either",
		"mute <@U1> for 1h x":                                  "Mentions cannot be muted",
		"mute web01 for 1h patch":                              "Which one did you mean",
		"mute machine web01.contoso.com 4h x":                  "Say for how long",
		"mute machine web01.contoso.com for 31d x":             "Say for how long",
		"mute machine web01.contoso.com for 30s x":             "Say for how long",
		"mute machine web01.contoso.com for 1h":                "Give a reason",
		"mute machine a b for 1h x":                            "Name one machine",
		"mute sha1 abc for 1h x":                               "40 hex",
		"mute title <@U1> for 1h x":                            "Mentions cannot be muted",
		"mute machine nosuch.contoso.com for 1h x":             "No device is named",
		"mute title " + strings.Repeat("a", 301) + " for 1h x": "at most 300",
		"unmute":                          "Name the mute",
		"unmute ../../etc":                "not a mute id",
		"mutes now":                       "takes no arguments",
		"mute machine web01 for 1h patch": "Which one did you mean", // two devices share the short name
		// Without the approval workflow, a mute that needs approval is refused.
		"mute machine " + mdefake.DemoBob + " for 25h x":     "needs approval (mute longer than 24 h)",
		"mute machine " + mdefake.DemoAlice + " for 1h x":    "needs approval (mute of a machine with open High alerts",
		"mute title Mimikatz credential theft tool for 1h x": "needs approval (mute of a title with open High alerts",
	} {
		resp, err := f.run(t, text, 0)
		msg := ErrorMessage(err, testRef)
		if err == nil {
			msg = resp.Text
		}
		if !strings.Contains(msg, want) {
			t.Errorf("%q: %q, want %q", text, msg, want)
		}
	}
	if len(mm.mutes) != 0 || len(*audit) != 0 {
		t.Fatalf("refused mutes were stored (%d) or audited (%d)", len(mm.mutes), len(*audit))
	}
	// A trail that cannot be written stops the mute.
	f.deps.MuteAudit = MuteAuditFunc(func(context.Context, AuditEntry) error { return errors.New("redis down") })
	reg, _ := Build(f.deps)
	if _, err := runText(t, reg, "mute sha1 "+strings.Repeat("a", 40)+" for 1h x", 0, f.now); !strings.Contains(ErrorMessage(err, testRef), "audit trail could not be written") || len(mm.mutes) != 0 {
		t.Errorf("mute without an audit trail: %v, %d stored", err, len(mm.mutes))
	}
	// Without notifications the mute verbs are not there.
	f.deps.Mutes = nil
	reg, _ = Build(f.deps)
	if _, ok := reg.Lookup("mute"); ok {
		t.Error("mute registered without alert notifications")
	}
}

func TestMuteMatches(t *testing.T) {
	t.Parallel()
	a := defender.Alert{MachineID: "ABC", Title: "Known  Noisy alert", Evidence: []defender.Evidence{{SHA1: "DEADBEEF"}}}
	for _, tc := range []struct {
		m    store.Mute
		want bool
	}{
		{store.Mute{Kind: store.MuteMachine, Value: "abc"}, true},
		{store.Mute{Kind: store.MuteMachine, Value: "abd"}, false},
		{store.Mute{Kind: store.MuteTitle, Value: NormalizeTitle("known noisy ALERT")}, true},
		{store.Mute{Kind: store.MuteTitle, Value: "known"}, false},
		{store.Mute{Kind: store.MuteSHA1, Value: "deadbeef"}, true},
		{store.Mute{Kind: store.MuteSHA1, Value: "beef"}, false},
	} {
		if got := MuteMatches(tc.m, a); got != tc.want {
			t.Errorf("%+v matches = %v", tc.m, got)
		}
	}
	if _, ok := MatchingMute(nil, a); ok {
		t.Error("no mutes matched")
	}
}
