package mdefake

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// jsonObject is a decoded request body whose property names were checked (case-sensitive).
type jsonObject map[string]json.RawMessage

// decodeObject decodes body as a JSON object and rejects property names that are not in allowed
// (exact case), as MDE does. An empty body is an empty object.
func decodeObject(body []byte, allowed ...string) (jsonObject, *apiError) {
	obj := jsonObject{}
	if len(bytes.TrimSpace(body)) == 0 {
		return obj, nil
	}
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return nil, badRequest("InvalidRequestBody", "The request body is not a valid JSON object.")
	}
	for k := range obj {
		if !slices.Contains(allowed, k) {
			hint := ""
			if i := slices.IndexFunc(allowed, func(a string) bool { return strings.EqualFold(a, k) }); i >= 0 {
				hint = " (property names are case-sensitive; did you mean " + allowed[i] + "?)"
			}
			return nil, badRequest("InvalidRequestBody", "The request body has an unknown property %q%s.", k, hint)
		}
	}
	return obj, nil
}

// str returns a string property; present is false when it is absent or null.
func (o jsonObject) str(key string) (s string, present bool, aerr *apiError) {
	raw, ok := o[key]
	if !ok || string(raw) == "null" {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, badRequest("InvalidRequestBody", "The property %s must be a string.", key)
	}
	return s, true, nil
}

// required returns a non-empty string property or MissingRequiredParameter.
func (o jsonObject) required(key string) (string, *apiError) {
	s, _, aerr := o.str(key)
	if aerr != nil {
		return "", aerr
	}
	if strings.TrimSpace(s) == "" {
		return "", badRequest("MissingRequiredParameter", "The parameter %s is required.", key)
	}
	return s, nil
}

// oneOf returns an optional string property that must be one of values (exact case).
func (o jsonObject) oneOf(key string, values ...string) (string, bool, *apiError) {
	s, present, aerr := o.str(key)
	if aerr != nil || !present {
		return "", false, aerr
	}
	if !slices.Contains(values, s) {
		return "", false, badRequest("InvalidRequestBody", "The value %q of %s is not one of %s.", s, key, strings.Join(values, ", "))
	}
	return s, true, nil
}

// boolean returns an optional boolean property.
func (o jsonObject) boolean(key string) (bool, *apiError) {
	raw, ok := o[key]
	if !ok || string(raw) == "null" {
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return false, badRequest("InvalidRequestBody", "The property %s must be true or false.", key)
	}
	return b, nil
}

// stringList returns an optional list property given as a JSON array of strings or a
// comma-separated string (the docs show both).
func (o jsonObject) stringList(key string) ([]string, *apiError) {
	raw, ok := o[key]
	if !ok || string(raw) == "null" {
		return []string{}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, badRequest("InvalidRequestBody", "The property %s must be a list of strings.", key)
	}
	out := []string{}
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out, nil
}
