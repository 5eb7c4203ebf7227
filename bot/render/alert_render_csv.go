package render

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/mdebot/mdebot/defender"
)

// DigestCSVName is the file name of a digest's CSV.
const DigestCSVName = "alerts.csv"

// DigestCSV is the whole list of a digest as CSV, one row per alert in the order given: id,
// severity, status, title, device, category, incident, last update, portal link. A cell that a
// spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return) is
// prefixed with a quote (OWASP, CSV injection).
func DigestCSV(alerts []defender.Alert, portal string) []byte {
	b := &msgBuilder{}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"id", "severity", "status", "title", "device", "category", "incident", "last_update", "link"})
	for _, a := range alerts {
		incident := ""
		if a.IncidentID != 0 {
			incident = strconv.FormatInt(a.IncidentID, 10)
		}
		_ = w.Write([]string{cell(a.ID), cell(string(a.Severity)), cell(string(a.Status)), cell(a.Title), cell(a.ComputerDNSName),
			cell(a.Category), incident, a.LastUpdateTime.Time.UTC().Format("2006-01-02T15:04:05Z"),
			b.portalURL(portal, "alerts", a.ID)})
	}
	w.Flush()
	return buf.Bytes()
}

// cell keeps a spreadsheet from reading s as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
