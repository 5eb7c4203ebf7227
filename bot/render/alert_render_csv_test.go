package render

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/mdebot/mdebot/defender"
)

// The CSV has a row per alert, in order, with its link; a cell a spreadsheet would run as a
// formula is quoted.
func TestDigestCSV(t *testing.T) {
	t.Parallel()
	a := fxAlert()
	evil := fxAlert()
	evil.ID, evil.Title, evil.ComputerDNSName = "da2_2", `=HYPERLINK("http://evil","x")`, "@host,\"quoted\"\nline"
	var buf bytes.Buffer
	if err := WriteDigestCSV(&buf, listOf([]defender.Alert{a, evil}), fxPortal); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "id" || rows[1][0] != a.ID || rows[2][0] != "da2_2" {
		t.Fatalf("rows = %q", rows)
	}
	if rows[1][8] != fxPortal+"/alerts/"+a.ID {
		t.Errorf("link = %q", rows[1][8])
	}
	if rows[2][3] != `'=HYPERLINK("http://evil","x")` || rows[2][4] != "'@host,\"quoted\"\nline" {
		t.Errorf("formula cells = %q, %q", rows[2][3], rows[2][4])
	}
}
