package defender_test

import (
	"testing"

	"github.com/mdebot/mdebot/defender"
)

// UnSpecified and unknown severities count as Informational against a threshold, on either side.
func TestSeverityAtLeast(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s, threshold defender.Severity
		want         bool
	}{
		{defender.SeverityUnspecified, defender.SeverityInformational, true},
		{"Bogus", defender.SeverityInformational, true},
		{"", defender.SeverityInformational, true},
		{defender.SeverityUnspecified, defender.SeverityLow, false},
		{defender.SeverityInformational, defender.SeverityUnspecified, true},
		{defender.SeverityLow, defender.SeverityLow, true},
		{defender.SeverityLow, defender.SeverityMedium, false},
		{defender.SeverityHigh, defender.SeverityMedium, true},
	} {
		if got := tc.s.AtLeast(tc.threshold); got != tc.want {
			t.Errorf("%q.AtLeast(%q) = %v, want %v", tc.s, tc.threshold, got, tc.want)
		}
	}
}
