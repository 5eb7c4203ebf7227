package defender_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// These tests run the client through the real azidentity credential against the fake as strict
// as MDE; each fails with the client's former behaviour.

func TestEmptyTenantListsNoMachines(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{}) // no seed: the tenant has no machines
	ms, err := env.Client.ListMachines(t.Context(), defender.ListOptions{Limit: 1})
	if err != nil || len(ms) != 0 {
		t.Fatalf("ListMachines = %v, %v; want empty and no error (MDE answers 404)", ms, err)
	}
	byName, err := env.Client.MachinesByName(t.Context(), "laptop-alice")
	if err != nil || len(byName) != 0 {
		t.Fatalf("MachinesByName = %v, %v; want empty", byName, err)
	}
}

func TestFileAlertsBySHA256GoThroughSHA1(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	bySHA1, err := env.Client.FileAlerts(t.Context(), mdefake.FakeSHA1("mimikatz.exe"))
	if err != nil || len(bySHA1) == 0 {
		t.Fatalf("by SHA-1: %v, %v", bySHA1, err)
	}
	bySHA256, err := env.Client.FileAlerts(t.Context(), mdefake.FakeSHA256("mimikatz.exe"))
	if err != nil || len(bySHA256) != len(bySHA1) {
		t.Fatalf("by SHA-256: %d alerts, %v; want %d", len(bySHA256), err, len(bySHA1))
	}
	for _, r := range env.Fake.Requests() {
		if strings.HasSuffix(r.Path, "/alerts") && strings.Contains(r.Path, mdefake.FakeSHA256("mimikatz.exe")) {
			t.Fatalf("sent a SHA-256 to files/{id}/alerts: %s", r.Path)
		}
	}
}

func TestPackageURIStripsTheQuotes(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	res, err := env.Client.CollectInvestigationPackage(t.Context(), mdefake.MachineID(mdefake.DemoBob), "forensics")
	if err != nil {
		t.Fatal(err)
	}
	env.Fake.Advance(time.Minute)
	link, err := env.Client.PackageURI(t.Context(), res.Action.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, "https://") || strings.Contains(link, `"`) {
		t.Fatalf("link %q, want a bare https URL", link)
	}
	resp, err := env.Fake.HTTPClient().Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("download: %d", resp.StatusCode)
	}
}

func TestFilterTimestampsKeepSevenDigits(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	since := time.Date(2020, 1, 2, 3, 4, 5, 123456789, time.UTC)
	if _, err := env.Client.ListAlerts(t.Context(), defender.AlertListOptions{
		ListOptions: defender.ListOptions{Filter: defender.Ge("lastUpdateTime", since)}}); err != nil {
		t.Fatalf("a nanosecond timestamp in a filter: %v", err)
	}
	if got := defender.Ge("lastUpdateTime", since).String(); got != "lastUpdateTime ge 2020-01-02T03:04:05.1234567Z" {
		t.Errorf("filter %q", got)
	}
}

func TestFindByIPNeverSendsAFutureTime(t *testing.T) {
	t.Parallel()
	// MDE's clock is three minutes behind ours.
	env := defendertest.New(t, defendertest.Options{Seed: true, Fake: mdefake.Options{Now: time.Now().Add(-3 * time.Minute).Truncate(time.Second)}})
	if _, err := env.Client.MachinesByIP(t.Context(), netip.MustParseAddr("10.1.0.11"), time.Now()); err != nil {
		t.Fatalf("findbyip at our now: %v", err)
	}
}

func TestRepeatedScanIsAlreadyRunning(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	env.Fake.SetListLag(time.Minute) // the first scan is not listed yet when the second comes
	id := mdefake.MachineID(mdefake.DemoAlice)
	first, err := env.Client.RunAntivirusScan(t.Context(), id, "mdebot r1: scan", defender.ScanQuick)
	if err != nil || first.AlreadyPending {
		t.Fatalf("first scan: %+v, %v", first, err)
	}
	second, err := env.Client.RunAntivirusScan(t.Context(), id, "mdebot r2: scan", defender.ScanQuick)
	if err != nil {
		t.Fatal(err)
	}
	if !second.AlreadyPending || second.Action.ID != first.Action.ID {
		t.Fatalf("second scan: %+v; want the existing action %s, already pending", second, first.Action.ID)
	}
}

func TestDeterminationSpellingRetriedOnce(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	id := env.Fake.Alerts()[0].ID
	for _, tc := range []struct {
		fake mdefake.DeterminationSpelling
		sent string
	}{{mdefake.SpellingUpdate, "ConfirmedUserActivity"}, {mdefake.SpellingResource, "NotMalicious"}} {
		env.Fake.SetDeterminationSpelling(tc.fake)
		cl := defender.InformationalExpectedActivity
		if tc.sent == "NotMalicious" {
			cl = defender.FalsePositive
		}
		if _, err := env.Client.UpdateAlert(t.Context(), id, defender.AlertUpdate{Status: defender.StatusResolved,
			Classification: cl, Determination: tc.sent}); err != nil {
			t.Fatalf("%s: %v", tc.sent, err)
		}
	}
	env.Fake.SetDeterminationSpelling(mdefake.SpellingUpdate)
	if _, err := env.Client.UpdateAlert(t.Context(), id, defender.AlertUpdate{Determination: "NoSuchThing"}); err == nil {
		t.Fatal("an unknown determination was accepted")
	}
}

func TestSignInFailuresToldApart(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	env.Fake.AddApp(mdefake.App{TenantID: defendertest.TenantID, ClientID: defendertest.ClientID, Secret: "rotated"})
	_, err := env.Client.ListAlerts(t.Context(), defender.AlertListOptions{})
	var sie *defender.SignInError
	if !errors.As(err, &sie) || !sie.Refused || sie.Code != 7000215 || sie.Variable() != "AZURE_CLIENT_SECRET" || sie.API != "Defender" {
		t.Fatalf("refused secret: %#v", sie)
	}
	down := defendertest.New(t, defendertest.Options{Seed: true})
	down.Fake.Close() // DNS, TLS, proxy or timeout look the same: no answer from Entra
	_, err = down.Graph.Hunt(t.Context(), "DeviceInfo")
	if !errors.As(err, &sie) || sie.Refused || sie.API != "Microsoft Graph" {
		t.Fatalf("unreachable Entra: %v %#v", err, sie)
	}
}
