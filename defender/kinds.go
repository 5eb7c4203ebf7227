package defender

import "reflect"

// stringKind returns the value of a named string type (such as Severity).
func stringKind(v any) (string, bool) {
	rv := reflect.ValueOf(v)
	if rv.IsValid() && rv.Kind() == reflect.String {
		return rv.String(), true
	}
	return "", false
}
