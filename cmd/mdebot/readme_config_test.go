package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The README's configuration table is delimited by these comments, so that the test reads exactly
// it.
const (
	readmeTableStart = "<!-- configuration table: kept equal to Config's env tags by readme_config_test.go -->"
	readmeTableEnd   = "<!-- end of configuration tables -->"
)

// readmeRow is one row of a README configuration table.
type readmeRow struct {
	Var, Default, Line string
}

var readmeVarCell = regexp.MustCompile("^`([A-Z][A-Z0-9_]*)`$")

// readmeConfig reads the configuration table of README.md.
func readmeConfig(t *testing.T) map[string]readmeRow {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok1 := strings.Cut(string(raw), readmeTableStart)
	tablePart, _, ok2 := strings.Cut(rest, readmeTableEnd)
	if !ok1 || !ok2 {
		t.Fatalf("README.md lacks the configuration table markers, in this order:\n%s\n%s", readmeTableStart, readmeTableEnd)
	}
	return readmeRows(t, tablePart)
}

func readmeRows(t *testing.T, part string) map[string]readmeRow {
	t.Helper()
	rows := map[string]readmeRow{}
	for _, line := range strings.Split(part, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") || strings.HasPrefix(line, "| variable") {
			continue
		}
		cells := splitRow(line)
		if len(cells) != 4 {
			t.Errorf("README configuration row has %d cells, want 4 (variable, meaning, default, example): %s", len(cells), line)
			continue
		}
		m := readmeVarCell.FindStringSubmatch(cells[0])
		if m == nil {
			t.Errorf("README configuration row must name one variable in backticks: %s", line)
			continue
		}
		if _, dup := rows[m[1]]; dup {
			t.Errorf("README configuration table has two rows for %s", m[1])
		}
		if cells[1] == "" || cells[2] == "" || cells[3] == "" {
			t.Errorf("README row for %s needs a meaning, a default and an example", m[1])
		}
		rows[m[1]] = readmeRow{Var: m[1], Default: cells[2], Line: line}
	}
	return rows
}

// splitRow splits a Markdown table row on unescaped pipes.
func splitRow(line string) []string {
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

// The README's configuration table has one row for each variable the code reads and no other;
// each row shows the code's default.
func TestReadmeConfigurationTable(t *testing.T) {
	t.Parallel()
	table := readmeConfig(t)
	for _, v := range configVars() {
		row, ok := table[v.Name]
		switch {
		case !ok:
			t.Errorf("README: the configuration table lacks a row for %s (default %q)", v.Name, v.Default)
		case v.Default != "" && !strings.Contains(row.Default, "`"+v.Default+"`"):
			t.Errorf("README: the default of %s is `%s` in the code, the table says %q", v.Name, v.Default, row.Default)
		}
	}
	names := configVarNames()
	for name, row := range table {
		if !slices.Contains(names, name) {
			t.Errorf("README: the configuration table has a row for %s, which the code does not read:\n%s", name, row.Line)
		}
	}
}
