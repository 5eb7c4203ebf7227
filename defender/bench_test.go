package defender_test

import (
	"runtime"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// BenchmarkListAlerts lists 10,000 alerts (with evidence) through the fake over HTTPS, the
// page size MDE allows, and reports the cost per alert.
func BenchmarkListAlerts(b *testing.B) {
	const n = 10000
	f, err := mdefake.Start(mdefake.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	f.AddApp(mdefake.App{TenantID: tenant, ClientID: client, Secret: secret, Roles: []string{"Alert.Read.All"}})
	f.AddAlerts(n)
	cred, err := azidentity.NewClientSecretCredential(tenant, client, secret,
		&azidentity.ClientSecretCredentialOptions{DisableInstanceDiscovery: true, ClientOptions: clientOptions(f)})
	if err != nil {
		b.Fatal(err)
	}
	c, err := defender.New(cred, defender.WithBaseURL(f.MDEURL()), defender.WithScope(f.Scope()),
		defender.WithTransport(f.HTTPClient()), defender.WithLimiter(defender.NewLimiter(defender.Unlimited())))
	if err != nil {
		b.Fatal(err)
	}
	for _, pageSize := range []int{defender.MaxPageSize, 1000} {
		b.Run(pageSizeName(pageSize), func(b *testing.B) {
			b.ReportAllocs()
			total := 0
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				got := 0
				for _, err := range c.Alerts(b.Context(), defender.AlertListOptions{WithEvidence: true, ListOptions: defender.ListOptions{PageSize: pageSize}}) {
					if err != nil {
						b.Fatal(err)
					}
					got++
				}
				if got != n {
					b.Fatalf("listed %d alerts, want %d", got, n)
				}
				total += got
			}
			runtime.ReadMemStats(&after)
			// Both sides of the wire run in this process: the figures include the fake's work.
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(total), "ns/alert")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(total), "allocs/alert")
		})
	}
}

func pageSizeName(n int) string {
	if n == defender.MaxPageSize {
		return "page=10000"
	}
	return "page=1000"
}
