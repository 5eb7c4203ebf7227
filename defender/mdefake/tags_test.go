package mdefake

import (
	"net/http"
	"slices"
	"testing"
)

// POST /api/machines/{id}/tags adds and removes a tag as the Add or Remove Tag API documents:
// 200 with the updated machine, a repeated add or a removal of a missing tag changes nothing.
func TestTagMachineAddRemove(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	path := "/api/machines/" + MachineID(DemoAlice) + "/tags"
	var m Machine
	api.decode(http.MethodPost, path, `{"Value":"contained","Action":"Add"}`, 200, &m)
	if !slices.Contains(m.MachineTags, "contained") {
		t.Fatalf("after Add: tags %v", m.MachineTags)
	}
	api.decode(http.MethodPost, path, `{"Value":"CONTAINED","Action":"Add"}`, 200, &m)
	if n := len(slices.DeleteFunc(slices.Clone(m.MachineTags), func(s string) bool { return s != "contained" && s != "CONTAINED" })); n != 1 {
		t.Errorf("a repeated add (other case) duplicated the tag: %v", m.MachineTags)
	}
	api.decode(http.MethodPost, path, `{"Value":"Contained","Action":"Remove"}`, 200, &m)
	if slices.ContainsFunc(m.MachineTags, func(s string) bool { return s == "contained" }) {
		t.Errorf("after Remove: tags %v", m.MachineTags)
	}
	if got, _ := f.Machine(DemoAlice); slices.Contains(got.MachineTags, "contained") {
		t.Errorf("the stored machine keeps the tag: %v", got.MachineTags)
	}
	api.decode(http.MethodPost, path, `{"Value":"never-there","Action":"Remove"}`, 200, nil)
	api.wantError(http.MethodPost, "/api/machines/"+MachineID("nope.contoso.com")+"/tags", `{"Value":"x","Action":"Add"}`, 404, "ResourceNotFound")
}

// The body is checked as MDE checks it: both properties required, Action exactly Add or Remove,
// property names case-sensitive, nothing else. A lax fake would accept each of these.
func TestTagMachineRejectsBadBodies(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	path := "/api/machines/" + MachineID(DemoAlice) + "/tags"
	before, _ := f.Machine(DemoAlice)
	for _, tc := range []struct{ body, code string }{
		{``, "MissingRequiredParameter"},
		{`{"Action":"Add"}`, "MissingRequiredParameter"},
		{`{"Value":"  ","Action":"Add"}`, "MissingRequiredParameter"},
		{`{"Value":"x"}`, "MissingRequiredParameter"},
		{`{"Value":"x","Action":"add"}`, "InvalidRequestBody"},
		{`{"Value":"x","Action":"Toggle"}`, "InvalidRequestBody"},
		{`{"value":"x","action":"Add"}`, "InvalidRequestBody"},
		{`{"Value":"x","Action":"Add","Comment":"why"}`, "InvalidRequestBody"},
		{`{"Value":7,"Action":"Add"}`, "InvalidRequestBody"},
		{`["x"]`, "InvalidRequestBody"},
	} {
		api.wantError(http.MethodPost, path, tc.body, http.StatusBadRequest, tc.code)
	}
	if after, _ := f.Machine(DemoAlice); !slices.Equal(after.MachineTags, before.MachineTags) {
		t.Errorf("a refused request changed the tags: %v -> %v", before.MachineTags, after.MachineTags)
	}
}

// Tagging needs Machine.ReadWrite.All: a token with only Machine.Read.All (enough to read the
// device) is refused with 403, and so is one with only response-action permissions.
func TestTagMachineNeedsReadWrite(t *testing.T) {
	t.Parallel()
	for _, roles := range [][]string{{"Machine.Read.All"}, {"Machine.Isolate", "Machine.RestrictExecution"}} {
		f, api := setup(t, Options{}, roles...)
		path := "/api/machines/" + MachineID(DemoAlice) + "/tags"
		api.wantError(http.MethodPost, path, `{"Value":"x","Action":"Add"}`, http.StatusForbidden, "Forbidden")
		if m, _ := f.Machine(DemoAlice); slices.Contains(m.MachineTags, "x") {
			t.Errorf("roles %v: a refused request tagged the device", roles)
		}
	}
	_, api := setup(t, Options{}, "Machine.ReadWrite.All")
	api.decode(http.MethodPost, "/api/machines/"+MachineID(DemoAlice)+"/tags", `{"Value":"x","Action":"Add"}`, 200, nil)
}
