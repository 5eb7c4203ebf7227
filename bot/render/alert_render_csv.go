package render

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// DigestCSVName is the file name of a digest's CSV.
const DigestCSVName = "alerts.csv"

// WriteDigestCSV writes the whole list of a digest as CSV to w, row by row, one per alert in
// the list's order: id,
// severity, status, title, device, category, incident, last update, portal link. A cell that a
// spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return) is
// prefixed with a quote (OWASP, CSV injection).
func WriteDigestCSV(out io.Writer, l DigestList, portal string) error {
	b := &msgBuilder{}
	w := csv.NewWriter(out)
	if err := w.Write([]string{"id", "severity", "status", "title", "device", "category", "incident", "last_update", "link"}); err != nil {
		return err
	}
	row := make([]string, 9) // one row at a time: the writer does not keep it
	for i := range l.N {
		a := l.At(i)
		incident := ""
		if a.IncidentID != 0 {
			incident = strconv.FormatInt(a.IncidentID, 10)
		}
		row = append(row[:0], cell(a.ID), cell(string(a.Severity)), cell(string(a.Status)), cell(a.Title), cell(a.ComputerDNSName),
			cell(a.Category), incident, a.LastUpdateTime.Time.UTC().Format("2006-01-02T15:04:05Z"), b.portalURL(portal, "alerts", a.ID))
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// cell keeps a spreadsheet from reading s as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
