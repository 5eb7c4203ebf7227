package commands

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/mdebot/mdebot/defender"
)

// huntSink writes a hunting result's rows to a CSV file in dir (the system's temporary
// directory when empty) as they arrive, and keeps the first huntInlineRows for the table in
// Slack: however long the result, one row is in memory at a time. Text cells that a
// spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) get a
// leading '.
type huntSink struct {
	dir string
	f   *os.File
	w   *csv.Writer
	// cols are the CSV's columns, fixed at the first row: the schema's names, else the first
	// row's keys; schema is the schema they came from (nil for the keys).
	cols   []string
	schema []defender.HuntingColumn
	rec    []string
	first  []map[string]any
}

// row writes one row (a defender.RowFunc).
func (s *huntSink) row(schema []defender.HuntingColumn, row map[string]any) error {
	if s.f == nil {
		if err := s.open(schema, row); err != nil {
			return err
		}
	}
	if len(s.first) < huntInlineRows {
		s.first = append(s.first, row)
	}
	for i, c := range s.cols {
		v, number := cellText(row[c])
		if !number {
			v = defuseFormula(v)
		}
		s.rec[i] = v
	}
	return s.w.Write(s.rec)
}

// open creates the file and writes the header row.
func (s *huntSink) open(schema []defender.HuntingColumn, row map[string]any) error {
	f, err := os.CreateTemp(s.dir, "mdebot-hunt-*.csv")
	if err != nil {
		return err
	}
	s.f, s.w = f, csv.NewWriter(f)
	s.cols = defender.HuntingResult{Schema: schema, Results: []map[string]any{row}}.Columns()
	if len(schema) > 0 {
		s.schema = schema
	}
	s.rec = make([]string, len(s.cols))
	for i, c := range s.cols {
		s.rec[i] = defuseFormula(c)
	}
	return s.w.Write(s.rec)
}

// close flushes and closes the file and returns its size; on an error the file is removed.
func (s *huntSink) close() (int64, error) {
	s.w.Flush()
	err := s.w.Error()
	var st os.FileInfo
	if err == nil {
		st, err = s.f.Stat()
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(s.f.Name())
		return 0, err
	}
	return st.Size(), nil
}

// discard removes the file, if any.
func (s *huntSink) discard() {
	if s.f != nil {
		_ = s.f.Close()
		_ = os.Remove(s.f.Name())
	}
}

// cutNote tells the user that a result was cut, and where.
func cutNote(sum defender.HuntSummary, lim defender.HuntLimits) string {
	rows, size := lim.MaxRows, lim.MaxBytes
	if rows <= 0 {
		rows = defender.MaxHuntRows
	}
	if size <= 0 {
		size = defender.MaxHuntBytes
	}
	return fmt.Sprintf("The result was cut after %s (%s read): mdebot reads at most %s rows or %s of a result. Narrow the query to see the rest.",
		plural(sum.Rows, "row", "rows"), megabytes(sum.Bytes), groupThousands(rows), megabytes(size))
}

// megabytes writes a size in MB with one decimal.
func megabytes(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB" }

// groupThousands writes 100000 as 100,000.
func groupThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// cellText writes one value; number reports a JSON number or boolean, which cannot be a formula.
func cellText(v any) (s string, number bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, false
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v), false
	}
	return string(b), false
}

func defuseFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
