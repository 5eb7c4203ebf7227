package commands

import (
	"errors"
	"strings"
	"testing"
)

// TestInvalidArguments feeds missing, malformed and hostile arguments to every verb. Each gets a
// specific message with the verb's usage (or, when the text cannot even be parsed, the
// tokenizer's message), and none reaches MDE.
func TestInvalidArguments(t *testing.T) {
	t.Parallel()
	hex41 := strings.Repeat("a", 41)
	hex40 := strings.Repeat("b", 40)
	md5 := strings.Repeat("c", 32)
	tests := []struct {
		text string
		verb string
		msg  string
	}{
		// alerts
		{"alerts severity=Critical", "alerts", "`severity` must be one of `Informational`, `Low`, `Medium`, `High`."},
		{"alerts status=Closed", "alerts", "`status` must be one of `New`, `InProgress`, `Resolved`."},
		{"alerts since=31d", "alerts", "`since` is a duration such as 30m, 24h or 7d, at most 30d."},
		{"alerts since=forever", "alerts", "`since` is a duration such as 30m, 24h or 7d, at most 30d."},
		{"alerts since=-1h", "alerts", "`since` is a duration such as 30m, 24h or 7d, at most 30d."},
		{"alerts limit=0", "alerts", "`limit` must be a whole number from 1 to 100."},
		{"alerts limit=101", "alerts", "`limit` must be a whole number from 1 to 100."},
		{"alerts limit=1e3", "alerts", "`limit` must be a whole number from 1 to 100."},
		{"alerts foo=bar", "alerts", "Unknown option `foo`; `alerts` knows `severity`, `status`, `since`, `machine`, `limit`."},
		{"alerts High", "alerts", "`alerts` takes only options such as `severity=High`, and `High` is not one. For one device's alerts use `machine=<machine>`."},
		{"alerts severity=High severity=Low", "alerts", "The option `severity` is given twice."},
		{"alerts severity=", "alerts", "The option `severity` needs a value, as in `severity=...`."},
		{"alerts <!channel>", "alerts", "Mentions such as @here or @channel cannot be used as arguments."},
		{"alerts severity=High <!here|@here>", "alerts", "Mentions such as @here or @channel cannot be used as arguments."},
		{"alerts severity=\"High' or 1 eq 1\"", "alerts", "`severity` must be one of `Informational`, `Low`, `Medium`, `High`."},
		{"alerts machine=h\u043est1", "alerts", "\"h\u043est1\" is not a device ID, an IP address or a computer name (letters, digits, '-', '_' and '.')."},
		{"alerts machine=\"x' or 1 eq 1\"", "alerts", "\"x' or 1 eq 1\" is not a device ID, an IP address or a computer name (letters, digits, '-', '_' and '.')."},
		{"alerts machine=" + hex41, "alerts", "`" + hex41 + "` looks like a device ID, but a device ID has exactly 40 hex characters and this has 41."},
		{"alerts machine=10.0.0.0/8", "alerts", "\"10.0.0.0/8\" is not a device ID, an IP address or a computer name (letters, digits, '-', '_' and '.')."},
		{"alerts machine=10.0.0.256", "alerts", "Not a valid IP address: expected an address such as 10.1.2.3 or 2001:db8::1."},
		// alert
		{"alert", "alert", "Give the ID of the alert."},
		{"alert da1_2 assign", "alert", "`alert` takes exactly one alert ID."},
		{"alert da1_2 resolve because", "alert", "`alert` takes exactly one alert ID."},
		{"alert \"x' or 1 eq 1\"", "alert", "`x' or 1 eq 1` is not an alert ID: alert IDs are letters, digits, '_' and '-', such as da637472900382838869_1364969609."},
		{"alert ../machines", "alert", "`../machines` is not an alert ID: alert IDs are letters, digits, '_' and '-', such as da637472900382838869_1364969609."},
		{"alert id=5", "alert", "`alert` takes no options."},
		// machines
		{"machines h\u043est", "machines", "`h\u043est` has the non-ASCII character U+043E at position 2 (a look-alike letter?); computer names use ASCII letters, digits, '-', '_' and '.'."},
		{"machines name=\"x' or 1 eq 1\"", "machines", "`x' or 1 eq 1` is not the start of a computer name: use ASCII letters, digits, '-', '_' and '.'."},
		{"machines x' or 1 eq 1", "machines", "Give at most one name prefix; use options such as `risk=High` for the rest."},
		{"machines web name=web", "machines", "Give the name prefix once: either as a bare word or as `name=`."},
		{"machines risk=Severe", "machines", "`risk` must be one of `None`, `Informational`, `Low`, `Medium`, `High`."},
		{"machines health=Dead", "machines", "`health` must be one of `Active`, `Inactive`, `ImpairedCommunication`, `NoSensorData`, `NoSensorDataImpairedCommunication`, `Unknown`."},
		{"machines limit=1000", "machines", "`limit` must be a whole number from 1 to 100."},
		{"machines tag=\"" + strings.Repeat("t", 201) + "\"", "machines", "A tag has at most 200 characters; this one has 201."},
		{"machines tag=\" \"", "machines", "The option `tag` needs a value, as in `tag=...`."},
		// actions and action
		{"actions a b", "actions", "Name at most one device."},
		{"actions type=Isolate", "actions", "`actions` takes no options."},
		{"actions " + hex41, "actions", "`" + hex41 + "` looks like a device ID, but a device ID has exactly 40 hex characters and this has 41."},
		{"actions h\u043est1", "actions", "\"h\u043est1\" is not a device ID, an IP address or a computer name (letters, digits, '-', '_' and '.')."},
		{"action", "action", "Give the ID of the action."},
		{"action 123", "action", "`123` is not an action ID: action IDs are GUIDs such as 7c1e5a5e-3f43-4d2b-9b1a-5b0f3a1e9d01."},
		{"action " + hex40, "action", "`" + hex40 + "` is not an action ID: action IDs are GUIDs such as 7c1e5a5e-3f43-4d2b-9b1a-5b0f3a1e9d01. That looks like a device ID: `actions <machine>` lists a device's actions."},
		{"action " + hex41, "action", "`" + hex41 + "` is not an action ID: action IDs are GUIDs such as 7c1e5a5e-3f43-4d2b-9b1a-5b0f3a1e9d01."},
		{"action \"x' or 1 eq 1\"", "action", "`x' or 1 eq 1` is not an action ID: action IDs are GUIDs such as 7c1e5a5e-3f43-4d2b-9b1a-5b0f3a1e9d01."},
		{"action 7c1e5a5e-3f43-4d2b-9b1a-5b0f3a1e9d01 cancel", "action", "`action` takes exactly one action ID."},
		// indicators
		{"indicators type=hash", "indicators", "`type` must be one of `sha1`, `sha256`, `md5`, `ip`, `domain`, `url`, `cert`."},
		{"indicators action=Delete", "indicators", "`action` must be one of `Block`, `Allowed`, `Audit`, `Warn`, `BlockAndRemediate`."},
		{"indicators value=\"x' or 1 eq 1\"", "indicators", "Not a valid indicator: expected a SHA-1, SHA-256 or MD5 hash, an IP address, a domain or an http(s) URL."},
		{"indicators type=sha1 value=evil.com", "indicators", "`evil.com` is a domain value, not a sha1 one."},
		{"indicators type=cert value=xyz", "indicators", "A certificate thumbprint is 40 hex characters (its SHA-1)."},
		{"indicators type=url value=ftp://x.y/a", "indicators", "Not a valid URL: it must start with http:// or https://."},
		{"indicators evil.com", "indicators", "`indicators` takes only options, and `evil.com` is not one. To find one indicator use `value=<text>`."},
		{"indicators value=\u0435vil.com", "indicators", "Not a valid indicator: expected a SHA-1, SHA-256 or MD5 hash, an IP address, a domain or an http(s) URL."},
		// file
		{"file", "file", "Give exactly one file hash (SHA-1 or SHA-256)."},
		{"file a b", "file", "Give exactly one file hash (SHA-1 or SHA-256)."},
		{"file xyz", "file", "Not a valid hash: a hash contains only the hexadecimal digits 0-9 and a-f."},
		{"file " + hex41, "file", "Not a valid hash: a SHA-1 has 40 hex digits, a SHA-256 64 and an MD5 32; this has 41."},
		{"file " + md5, "file", "Defender looks files up by SHA-1 or SHA-256, not MD5. Search for an MD5 with `hunt`, e.g. `hunt DeviceFileEvents | where MD5 == \"" + md5 + "\" | take 10`."},
		{"file \"x' or 1 eq 1\"", "file", "Not a valid hash: a hash contains only the hexadecimal digits 0-9 and a-f."},
		// ip
		{"ip", "ip", "Give exactly one IP address."},
		{"ip 10.0.0.0/8", "ip", "Not a valid IP address: ranges (CIDR) are not supported by MDE; give one address."},
		{"ip 999.1.1.1", "ip", "Not a valid IP address: expected an address such as 10.1.2.3 or 2001:db8::1."},
		{"ip fe80::1%eth0", "ip", "Not a valid IP address: an address with a zone (%) is not accepted."},
		{"ip \"1.2.3.4' or 1 eq 1\"", "ip", "Not a valid IP address: expected an address such as 10.1.2.3 or 2001:db8::1."},
		// domain
		{"domain", "domain", "Give exactly one domain."},
		{"domain <https://evil.com/x>", "domain", "Give the domain alone, such as evil.example.com, not a URL."},
		{"domain \u0435vil.com", "domain", "Not a valid domain: it has non-ASCII characters; give an international name in its xn-- form."},
		{"domain localhost", "domain", "Not a valid domain: it needs at least two labels, such as example.com."},
		{"domain \"x' or 1 eq 1\"", "domain", "Not a valid domain: it needs at least two labels, such as example.com."},
		{"domain evil.com/../../machines", "domain", "Not a valid domain: labels may contain only letters, digits, hyphens and underscores."},
		// user
		{"user", "user", "Give exactly one account name."},
		{"user alice@contoso.com", "user", "Not a valid user name: MDE looks users up by account name (alice), not by UPN (alice@contoso.com). Try `user alice`."},
		{"user <mailto:alice@contoso.com|alice@contoso.com>", "user", "Not a valid user name: MDE looks users up by account name (alice), not by UPN (alice@contoso.com). Try `user alice`."},
		{"user <@U123ABC>", "user", "Give the Windows or Entra account name (alice), not a Slack mention."},
		{"user \"a b\"", "user", "`a b` is not an account name: account names cannot contain spaces or any of \" / \\ [ ] : ; | = , + * ? < > @."},
		{"user \"x' or 1 eq 1\"", "user", "`x' or 1 eq 1` is not an account name: account names cannot contain spaces or any of \" / \\ [ ] : ; | = , + * ? < > @."},
		{`user CONTOSO\`, "user", `Give the account name as alice or DOMAIN\alice.`},
		{`user ../alerts`, "user", "`../alerts` is not an account name: account names cannot contain spaces or any of \" / \\ [ ] : ; | = , + * ? < > @."},
		// hunt
		{"hunt", "hunt", "Give a KQL query, such as `hunt DeviceInfo | take 10`."},
		{"hunt ``` ```", "hunt", "Give a KQL query, such as `hunt DeviceInfo | take 10`."},
		// status and audit
		{"status now", "status", "`status` takes no arguments."},
		{"status verbose=1", "status", "`status` takes no options."},
		{"audit a b", "audit", "Give at most one filter: a device, a @person or an action ID."},
		{"audit <#C123|sec>", "audit", "Audit entries are by person: mention one user (@alice), not a channel or a user group."},
		{"audit <!subteam^S123|@team>", "audit", "Audit entries are by person: mention one user (@alice), not a channel or a user group."},
		{"audit " + hex41, "audit", "`" + hex41 + "` looks like a device ID, but a device ID has exactly 40 hex characters and this has 41."},
		{"audit <!everyone>", "audit", "Mentions such as @here or @channel cannot be used as arguments."},
	}
	// Text the tokenizer refuses before any verb runs: its own specific message.
	syntax := []struct{ text, msg string }{
		{"machines <http://a|b>", `the link "b" points to "http://a"; type the plain text instead`},
		{"hunt DeviceInfo | where Url == \"<http://a|b>\"", `the link "b" points to "http://a"; type the plain text instead`},
		{"alerts " + strings.Repeat("a", 10*1024), "command too long (10247 characters, the limit is 4000)"},
		{"machine \"" + strings.Repeat("x", 10*1024) + "\"", "command too long (10250 characters, the limit is 4000)"},
		{"alert \"unterminated", `unterminated quote starting at ""unterminated" (character 7)`},
		{"alert x\u202Ey", "the command has a control or invisible character (U+202E) at character 8; retype it without it"},
	}
	f := newFixture(t)
	t.Run("group", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.text[:min(len(tt.text), 60)], func(t *testing.T) {
				t.Parallel()
				_, err := f.run(t, tt.text, 0)
				wantUsageError(t, f.reg, tt.verb, err, tt.msg)
			})
		}
		for _, tt := range syntax {
			t.Run(tt.text[:min(len(tt.text), 60)], func(t *testing.T) {
				t.Parallel()
				_, err := f.run(t, tt.text, 0)
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("error = %v (%T), want a *SyntaxError", err, err)
				}
				if got := ErrorMessage(err, testRef); got != tt.msg {
					t.Errorf("message:\n got %q\nwant %q", got, tt.msg)
				}
			})
		}
	})
	if reqs := f.apiRequests(); len(reqs) != 0 {
		for _, r := range reqs {
			t.Errorf("invalid input reached MDE: %s %s?%s", r.Method, r.Path, r.RawQuery)
		}
	}
}

func TestBadOffset(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, text := range []string{"alerts", "machines", "actions", "indicators", "audit"} {
		for _, off := range []int{-1, maxOffset + 1} {
			_, err := f.run(t, text, off)
			wantUsageError(t, f.reg, text, err, "That page of the list does not exist; run the command again.")
		}
	}
	if n := len(f.apiRequests()); n != 0 {
		t.Errorf("%d MDE requests for bad offsets", n)
	}
}
