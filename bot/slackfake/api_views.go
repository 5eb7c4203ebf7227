package slackfake

import (
	"encoding/json"
	"fmt"
)

// maxViewBlocks is Slack's limit of blocks in a modal.
const maxViewBlocks = 100

// viewFields are the parts of a view object the fake reads.
type viewFields struct {
	Type            string            `json:"type"`
	CallbackID      string            `json:"callback_id"`
	PrivateMetadata string            `json:"private_metadata"`
	ExternalID      string            `json:"external_id"`
	Blocks          []json.RawMessage `json:"blocks"`
}

// readView validates the "view" argument of a views.* call.
func readView(req *apiRequest) (json.RawMessage, viewFields, error) {
	var vf viewFields
	raw := req.raw("view")
	if raw == nil || json.Unmarshal(raw, &vf) != nil || vf.Type != "modal" || len(vf.Blocks) > maxViewBlocks {
		return nil, vf, slackError("invalid_arguments")
	}
	return raw, vf, nil
}

// viewsOpen opens a modal for the user the trigger_id belongs to.
func (f *Fake) viewsOpen(req *apiRequest) (map[string]any, error) {
	return f.openView(req, false)
}

// viewsPush pushes a modal on top of the one the trigger_id came from.
func (f *Fake) viewsPush(req *apiRequest) (map[string]any, error) {
	return f.openView(req, true)
}

func (f *Fake) openView(req *apiRequest, push bool) (map[string]any, error) {
	raw, vf, err := readView(req)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.takeTriggerLocked(req.get("trigger_id"))
	if err != nil {
		return nil, err
	}
	if vf.ExternalID != "" && f.viewByExternalIDLocked(vf.ExternalID) != nil {
		return nil, slackError("duplicate_external_id")
	}
	v := &View{ID: f.nextIDLocked("V"), UserID: t.user}
	v.RootViewID = v.ID
	if prev := f.rec.viewIndex[t.viewID]; push && prev != nil {
		v.PreviousViewID, v.RootViewID = prev.ID, prev.RootViewID
	}
	f.setViewLocked(v, raw, vf)
	f.rec.views = append(f.rec.views, v)
	f.rec.viewIndex[v.ID] = v
	f.notifyLocked()
	return map[string]any{"view": f.viewObjectLocked(v, nil)}, nil
}

// viewsUpdate replaces a modal found by view_id or external_id, honouring
// the optimistic-locking hash.
func (f *Fake) viewsUpdate(req *apiRequest) (map[string]any, error) {
	raw, vf, err := readView(req)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.rec.viewIndex[req.get("view_id")]
	if ext := req.get("external_id"); v == nil && ext != "" {
		v = f.viewByExternalIDLocked(ext)
	}
	if v == nil {
		return nil, slackError("not_found")
	}
	if h := req.get("hash"); h != "" && h != v.Hash {
		return nil, slackError("hash_conflict")
	}
	f.setViewLocked(v, raw, vf)
	f.notifyLocked()
	return map[string]any{"view": f.viewObjectLocked(v, nil)}, nil
}

func (f *Fake) viewByExternalIDLocked(ext string) *View {
	for _, v := range f.rec.views {
		if v.ExternalID == ext {
			return v
		}
	}
	return nil
}

// setViewLocked stores a new version of v; f.mu must be held.
func (f *Fake) setViewLocked(v *View, raw json.RawMessage, vf viewFields) {
	v.JSON = raw
	v.History = append(v.History, raw)
	v.CallbackID = vf.CallbackID
	v.PrivateMetadata = vf.PrivateMetadata
	if vf.ExternalID != "" {
		v.ExternalID = vf.ExternalID
	}
	v.Hash = fmt.Sprintf("%s.%s", f.nextTSLocked(), f.nextIDLocked("h"))
}

// viewObjectLocked renders v as Slack returns it in API replies and
// interaction payloads, with values as its input state; f.mu must be held.
func (f *Fake) viewObjectLocked(v *View, values map[string]any) map[string]any {
	obj := map[string]any{}
	_ = json.Unmarshal(v.JSON, &obj)
	if values == nil {
		values = map[string]any{}
	}
	var prev any
	if v.PreviousViewID != "" {
		prev = v.PreviousViewID
	}
	for k, val := range map[string]any{
		"id": v.ID, "team_id": f.opts.TeamID, "app_id": f.opts.AppID, "bot_id": f.opts.BotID,
		"app_installed_team_id": f.opts.TeamID, "hash": v.Hash, "root_view_id": v.RootViewID,
		"previous_view_id": prev, "external_id": v.ExternalID, "callback_id": v.CallbackID,
		"private_metadata": v.PrivateMetadata, "state": map[string]any{"values": values},
	} {
		obj[k] = val
	}
	return obj
}

// blocksOf returns the "blocks" array of a view object.
func blocksOf(view json.RawMessage) json.RawMessage {
	var v struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	_ = json.Unmarshal(view, &v)
	return v.Blocks
}
