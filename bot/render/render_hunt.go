package render

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
)

// Sizes of the hunting table: the widest cell and row shown, and the most rows ever measured.
const (
	huntCellWidth = 40
	huntRowWidth  = 120
	huntMaxRows   = 1500
)

// hunt renders an advanced hunting result as an aligned table in a code block, as many rows as
// fit in one section. attached says whether the full result goes with the message as a file.
func (b *msgBuilder) hunt(v commands.HuntView, attached bool) string {
	b.header("Advanced hunting")
	if q := strings.TrimSpace(v.Query); q != "" {
		b.context("Query: " + b.code(q, 500))
	}
	cols := v.Result.Columns()
	total := len(v.Result.Results)
	if total == 0 || len(cols) == 0 {
		b.section("No results.")
		return "Advanced hunting: no results"
	}
	cells := make([][]string, 0, min(total, huntMaxRows)+1)
	cells = append(cells, cols)
	for _, row := range v.Result.Results[:min(total, huntMaxRows)] {
		line := make([]string, len(cols))
		for i, c := range cols {
			line[i] = b.huntCell(row[c])
		}
		cells = append(cells, line)
	}
	table, rows, shownCols := b.huntTable(cells)
	b.section(table)
	total = max(total, v.TotalRows)
	b.cut = rows < total || shownCols < len(cols) || cellsCut(v.Result, cols) || v.Cut != ""
	var notes []string
	if rows < total {
		notes = append(notes, b.num(int64(rows))+" of "+b.num(int64(total))+" rows shown.")
	} else {
		notes = append(notes, b.count(total, "row", "rows")+".")
	}
	if shownCols < len(cols) {
		notes = append(notes, b.num(int64(shownCols))+" of "+b.num(int64(len(cols)))+" columns shown.")
	}
	if v.Cut != "" {
		notes = append(notes, v.Cut)
	}
	switch {
	case b.cut && attached:
		notes = append(notes, "The full result is sent to you as a CSV file in a direct message.")
	case b.cut:
		notes = append(notes, "Narrow the query to see the rest.")
	}
	b.context(notes...)
	return "Advanced hunting: " + b.count(total, "row", "rows")
}

// cellsCut reports whether any cell of the rows shown is wider than a table cell.
func cellsCut(r defender.HuntingResult, cols []string) bool {
	var b msgBuilder
	for _, row := range r.Results[:min(len(r.Results), huntMaxRows)] {
		for _, c := range cols {
			if s := b.huntCell(row[c]); strings.HasSuffix(s, "…") && s != fmt.Sprint(row[c]) {
				return true
			}
		}
	}
	return false
}

// huntCell is a value on one line, cut to the cell width (unescaped).
func (b *msgBuilder) huntCell(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
	case string:
		s = x
	case json.Number:
		s = x.String()
	case bool:
		s = strconv.FormatBool(x)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		if j, err := json.Marshal(x); err == nil {
			s = string(j)
		} else {
			s = fmt.Sprint(x)
		}
	}
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
	return commands.Truncate(s, huntCellWidth)
}

// huntTable lays out cells (the header first) as an aligned table in a code block within one
// section, and says how many data rows and columns it holds. Column widths are measured on the
// rows shown, so they are measured again once the rows that fit are known.
func (b *msgBuilder) huntTable(cells [][]string) (table string, rows, cols int) {
	n := len(cells)
	for range 3 {
		widths, ncols := b.huntWidths(cells[:n])
		lines := make([]string, 0, n+1)
		used := len("```\n\n```")
		for i, row := range cells[:n] {
			line := b.huntLine(row[:ncols], widths)
			if used+textLen(line)+1 > limitSection {
				break
			}
			used += textLen(line) + 1
			lines = append(lines, line)
			if i == 0 {
				var sep []string
				for _, w := range widths {
					sep = append(sep, strings.Repeat("-", w))
				}
				s := strings.Join(sep, "  ")
				used += textLen(s) + 1
				lines = append(lines, s)
			}
		}
		table, rows, cols = "```\n"+strings.Join(lines, "\n")+"\n```", max(0, len(lines)-2), ncols
		if rows+1 == n {
			break
		}
		n = rows + 1
	}
	return table, rows, cols
}

// huntWidths measures the columns of cells and says how many fit in a row.
func (b *msgBuilder) huntWidths(cells [][]string) ([]int, int) {
	var widths []int
	total := 0
	for c := range cells[0] {
		w := 1
		for _, row := range cells {
			w = max(w, utf8.RuneCountInString(row[c]))
		}
		if c > 0 && total+2+w > huntRowWidth {
			break
		}
		total += w + 2
		widths = append(widths, w)
	}
	return widths, len(widths)
}

// huntLine escapes and pads one row.
func (b *msgBuilder) huntLine(row []string, widths []int) string {
	var out strings.Builder
	for i, cell := range row {
		if i > 0 {
			out.WriteString("  ")
		}
		out.WriteString(commands.EscapeCode(cell))
		if i < len(row)-1 {
			out.WriteString(strings.Repeat(" ", max(0, widths[i]-utf8.RuneCountInString(cell))))
		}
	}
	return strings.TrimRight(out.String(), " ")
}
