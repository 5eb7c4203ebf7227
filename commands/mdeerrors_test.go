package commands

import (
	"testing"

	"github.com/mdebot/mdebot/defender/mdefake"
)

// TestMDEErrors checks what the user reads when MDE refuses, cannot find, throttles or fails.
func TestMDEErrors(t *testing.T) {
	t.Parallel()
	const (
		forbidden = "The bot's Entra app lacks the Defender permission for this. Tell the bot's administrator. (ref testref)"
		throttled = "Defender is throttling the bot's requests; try again in a minute."
		internal  = "Defender had an internal error. Try again in a minute. (ref testref)"
		noSuch    = "Defender has no such item (it may be outside the retention period)."
	)
	sha1 := mdefake.FakeSHA1("mimikatz.exe")
	tests := []struct {
		text string
		// notFound is the message for a 404, "" when a 404 is not an error for this verb.
		notFound string
	}{
		{"alerts", noSuch},
		// GET /api/machines answers 404 when it has nothing: no such device, not a lost item.
		{"alerts machine=dc01", "No device is named dc01. Try `machines name=dc01` to search by prefix."},
		{"alert da6386_1", "No alert has the ID da6386_1 (it may be outside the retention period)."},
		{"machines risk=High", ""},
		{"machines tag=dmz", ""},
		{"actions", noSuch},
		{"actions dc01", "No device is named dc01. Try `machines name=dc01` to search by prefix."},
		{"action " + seededAction, "No machine action has the ID " + seededAction + "."},
		{"indicators", noSuch},
		{"hunt DeviceInfo | take 1", noSuch},
		{"file " + sha1, ""},
		{"ip 10.1.2.3", ""},
		{"domain malicious-cdn.example.net", ""},
		{"user alice", ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			for _, status := range []int{403, 404, 429, 500} {
				want := map[int]string{403: forbidden, 404: tt.notFound, 429: throttled, 500: internal}[status]
				if want == "" {
					continue
				}
				remove := f.env.Fake.Inject(mdefake.Fault{PathContains: "/api/", Status: status})
				resp, err := f.run(t, tt.text, 0)
				remove()
				if err == nil {
					t.Errorf("HTTP %d: no error; response %q", status, resp.Text)
					continue
				}
				if got := ErrorMessage(err, testRef); got != want {
					t.Errorf("HTTP %d message:\n got %q\nwant %q", status, got, want)
				}
			}
		})
	}
}
