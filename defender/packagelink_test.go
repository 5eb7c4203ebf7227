package defender

import "testing"

func TestPackageLink(t *testing.T) {
	t.Parallel()
	for in, ok := range map[string]bool{
		`"https://userrequests-us.securitycenter.windows.com:443/safedownload/WDATP_Investigation_Package.zip?token=x"`: true,
		`https://host.example/p.zip?sig=1`: true,
		`"http://host.example/p.zip"`:      false,
		`"javascript:alert(1)"`:            false,
		`""`:                               false,
		`"https://a b/"`:                   false,
		`"https://user@host/p"`:            false,
	} {
		got, err := packageLink(in)
		if (err == nil) != ok {
			t.Errorf("packageLink(%q) = %q, %v; want ok=%v", in, got, err, ok)
		}
		if ok && (got[0] == '"' || got[len(got)-1] == '"') {
			t.Errorf("packageLink(%q) kept the quotes: %q", in, got)
		}
	}
}
