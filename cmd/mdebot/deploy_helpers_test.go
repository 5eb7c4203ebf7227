package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"
	"gopkg.in/yaml.v3"
)

// repoRoot is the module root, two levels above this package.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// envVar is one env-tagged field of Config.
type envVar struct {
	Name, Default string
}

// configVars lists the variables the code reads: the env tags of Config, in field order.
func configVars() []envVar {
	var vars []envVar
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		tag, ok := t.Field(i).Tag.Lookup("env")
		if !ok {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		v := envVar{Name: strings.TrimSpace(name)}
		for _, o := range strings.Split(opts, ",") {
			if d, ok := strings.CutPrefix(strings.TrimSpace(o), "default="); ok {
				v.Default = d
			}
		}
		vars = append(vars, v)
	}
	return vars
}

func configVarNames() []string {
	var names []string
	for _, v := range configVars() {
		names = append(names, v.Name)
	}
	return names
}

// requiredVars are the variables whose absence stops the start: what LoadConfig reports for an
// empty environment.
func requiredVars(t testing.TB) []string {
	t.Helper()
	_, err := LoadConfig(t.Context(), envconfig.MapLookuper(nil))
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("an empty environment gave %v, want a *ConfigError", err)
	}
	var names []string
	for _, p := range ce.Problems {
		names = append(names, p.Var)
	}
	return names
}

// validSecrets are well-formed stand-ins for the values a template leaves blank.
var validSecrets = map[string]string{
	"SLACK_APP_TOKEN":     "xapp-1-A0-0-stand-in",
	"SLACK_BOT_TOKEN":     "xoxb-0-0-stand-in",
	"AZURE_TENANT_ID":     "00000000-0000-0000-0000-000000000001",
	"AZURE_CLIENT_ID":     "00000000-0000-0000-0000-000000000002",
	"AZURE_CLIENT_SECRET": "stand-in",
	"REDIS_URL":           "redis://redis.example.internal:6379/0",
}

// loadWith runs LoadConfig over vars, with blank values filled from validSecrets, and fails the
// test with every problem if the configuration is refused.
func loadWith(t *testing.T, what string, vars map[string]string) {
	t.Helper()
	env := map[string]string{}
	for k, v := range vars {
		env[k] = v
		if strings.TrimSpace(v) == "" && validSecrets[k] != "" {
			env[k] = validSecrets[k]
		}
	}
	if _, err := LoadConfig(t.Context(), envconfig.MapLookuper(env)); err != nil {
		t.Errorf("%s, with its blanks filled in, is refused: %v", what, err)
	}
}

// yamlDocs decodes every document of a YAML file into generic maps.
func yamlDocs(t testing.TB, path string) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

// dig walks maps and lists: dig(doc, "spec", "template", "spec", "containers", 0, "name").
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// stringMap turns a YAML mapping of scalars into strings.
func stringMap(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, val := range m {
		if val == nil {
			out[k] = ""
			continue
		}
		out[k] = strings.TrimSpace(strings.ReplaceAll(strings.TrimSpace(toString(val)), "\n", " "))
	}
	return out
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		b, _ := yaml.Marshal(x)
		return strings.TrimSpace(string(b))
	}
}

// missing returns the names of want that are not keys of have.
func missing(want []string, have map[string]string) []string {
	var out []string
	for _, w := range want {
		if _, ok := have[w]; !ok {
			out = append(out, w)
		}
	}
	return out
}

// unknown returns the keys of have that the code does not read.
func unknown(have map[string]string, known []string) []string {
	var out []string
	for k := range have {
		if !slices.Contains(known, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
