package defender_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// TagMachine sends the documented body to /machines/{id}/tags and reads back the device.
func TestTagMachine(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	id := mdefake.MachineID(mdefake.DemoAlice)
	m, err := env.Client.TagMachine(t.Context(), id, "contained", defender.TagAdd)
	if err != nil || !m.HasTag("CONTAINED") {
		t.Fatalf("add: %v tags %v", err, m.MachineTags)
	}
	if m, err = env.Client.TagMachine(t.Context(), id, "contained", defender.TagRemove); err != nil || m.HasTag("contained") {
		t.Fatalf("remove: %v tags %v", err, m.MachineTags)
	}
	var bodies []string
	for _, r := range env.Fake.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/tags") {
			bodies = append(bodies, string(r.Body))
		}
	}
	want := []string{`{"Value":"contained","Action":"Add"}`, `{"Value":"contained","Action":"Remove"}`}
	if strings.Join(bodies, "|") != strings.Join(want, "|") {
		t.Errorf("bodies %q, want %q", bodies, want)
	}
}

// Bad input is refused before anything is sent; a missing Machine.ReadWrite.All is MDE's 403.
func TestTagMachineRefusals(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true, Roles: []string{"Machine.Read.All", "Machine.Isolate"}})
	id := mdefake.MachineID(mdefake.DemoAlice)
	var verr *defender.ValidationError
	for _, tc := range []struct {
		id, tag string
		action  defender.TagAction
	}{
		{"laptop", "x", defender.TagAdd},
		{id, " ", defender.TagAdd},
		{id, "a\nb", defender.TagAdd},
		{id, strings.Repeat("x", defender.MaxTagLength+1), defender.TagAdd},
		{id, "x", "add"},
	} {
		if _, err := env.Client.TagMachine(t.Context(), tc.id, tc.tag, tc.action); !errors.As(err, &verr) {
			t.Errorf("%q %q %q: err %v, want a ValidationError", tc.id, tc.tag, tc.action, err)
		}
	}
	if n := len(env.Fake.Requests()); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
	_, err := env.Client.TagMachine(t.Context(), id, "x", defender.TagAdd)
	var apiErr *defender.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden {
		t.Fatalf("without Machine.ReadWrite.All: %v, want 403", err)
	}
}
