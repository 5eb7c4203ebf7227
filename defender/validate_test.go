package defender

import (
	"strings"
	"testing"
)

func TestValidators(t *testing.T) {
	t.Parallel()
	ok := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := func(name string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	ok("id", ValidateMachineID(machineID))
	ok("id upper", ValidateMachineID(strings.ToUpper(machineID)))
	bad("id short", ValidateMachineID(machineID[:39]))
	bad("id non-hex", ValidateMachineID("g"+machineID[1:]))
	bad("id cyrillic", ValidateMachineID("а"+machineID[2:]))

	for s, want := range map[string]HashType{sha1Hex: SHA1, strings.Repeat("A", 64): SHA256, "d41d8cd98f00b204e9800998ecf8427e": MD5} {
		typ, norm, err := ParseHash(s)
		if err != nil || typ != want || norm != strings.ToLower(s) {
			t.Errorf("ParseHash(%q) = %v %q %v", s, typ, norm, err)
		}
	}
	for _, s := range []string{"", "abc", strings.Repeat("a", 41), strings.Repeat("z", 40), sha1Hex + " "} {
		_, _, err := ParseHash(s)
		bad("hash "+s, err)
	}
	ok("sha1", ValidateSHA1(sha1Hex))
	bad("sha256 as sha1", ValidateSHA1(strings.Repeat("a", 64)))

	for _, s := range []string{"10.1.2.3", "2001:db8::1", "::ffff:10.0.0.1"} {
		_, err := ParseIP(s)
		ok("ip "+s, err)
	}
	if a, _ := ParseIP("::ffff:10.0.0.1"); a.String() != "10.0.0.1" {
		t.Errorf("mapped address not unmapped: %v", a)
	}
	for _, s := range []string{"", "10.0.0.0/8", "fe80::1%eth0", "10.1.2", "256.1.1.1", "1.2.3.4 ", "010.1.2.3"} {
		_, err := ParseIP(s)
		bad("ip "+s, err)
	}

	for _, s := range []string{"example.com", "a.b.example.co.uk", "xn--80ak6aa92e.com", "_dmarc.example.com", "EXAMPLE.com."} {
		ok("domain "+s, ValidateDomain(s))
	}
	for _, s := range []string{"", "localhost", "exаmple.com", "-a.com", "a-.com", "a..com", "1.2.3.4", strings.Repeat("a", 64) + ".com", "a b.com", "a/b.com", "x.com'", strings.Repeat("a.", 130) + "com"} {
		bad("domain "+s, ValidateDomain(s))
	}

	for _, s := range []string{"https://evil.example.net/a?b=c", "http://10.1.2.3:8080/x", "https://[2001:db8::1]/"} {
		ok("url "+s, ValidateURL(s))
	}
	for _, s := range []string{"ftp://x.com/", "https://user:pw@x.com/", "https:///nohost", "https://exаmple.com/", "https://x.com/a b", "javascript:alert(1)", "https://" + strings.Repeat("a", 2050) + ".com"} {
		bad("url "+s, ValidateURL(s))
	}
}

func TestIndicatorFor(t *testing.T) {
	t.Parallel()
	cases := map[string]IndicatorType{
		sha1Hex: IndicatorSHA1, strings.Repeat("b", 64): IndicatorSHA256, "d41d8cd98f00b204e9800998ecf8427e": IndicatorMD5,
		"10.1.2.3": IndicatorIP, "Evil.Example.net.": IndicatorDomain, "https://evil.example.net/x": IndicatorURL,
	}
	for in, want := range cases {
		typ, v, err := IndicatorFor(in)
		if err != nil || typ != want || v == "" {
			t.Errorf("IndicatorFor(%q) = %v %q %v", in, typ, v, err)
		}
	}
	if _, v, _ := IndicatorFor("Evil.Example.net."); v != "evil.example.net" {
		t.Errorf("domain not normalised: %q", v)
	}
	for _, in := range []string{"", "10.0.0.0/8", "not a thing", "https://u:p@x.com", "exаmple.com"} {
		if _, _, err := IndicatorFor(in); err == nil {
			t.Errorf("IndicatorFor(%q) accepted", in)
		}
	}
}

// The validators are fed user input; they must never panic and must keep their promises.
func FuzzValidateMachineID(f *testing.F) {
	for _, s := range []string{machineID, "", "x", strings.Repeat("g", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateMachineID(s) == nil && (len(s) != 40 || !isHex(s)) {
			t.Fatalf("accepted %q", s)
		}
	})
}

func FuzzParseHash(f *testing.F) {
	for _, s := range []string{sha1Hex, "", strings.Repeat("a", 64), "d41d8cd98f00b204e9800998ecf8427e", "zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, norm, err := ParseHash(s)
		if err != nil {
			return
		}
		if norm != strings.ToLower(s) || !isHex(norm) || (typ == SHA1) != (len(s) == 40) {
			t.Fatalf("ParseHash(%q) = %v %q", s, typ, norm)
		}
	})
}

func FuzzParseIP(f *testing.F) {
	for _, s := range []string{"10.1.2.3", "::1", "1.2.3.4/8", "fe80::1%x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseIP(s)
		if err == nil && (!a.IsValid() || a.Zone() != "" || strings.ContainsAny(a.String(), "/% ")) {
			t.Fatalf("ParseIP(%q) = %v", s, a)
		}
	})
}

func FuzzValidateDomain(f *testing.F) {
	for _, s := range []string{"example.com", "", "a..b", "exаmple.com", "1.2.3.4", "x_y.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateDomain(s) != nil {
			return
		}
		if strings.ContainsAny(s, " /\\'\"()@:?#") || len(s) > 254 {
			t.Fatalf("accepted %q", s)
		}
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				t.Fatalf("accepted non-ASCII %q", s)
			}
		}
	})
}

func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{"https://example.com/a", "http://1.2.3.4/", "javascript:x", "https://u:p@h.com", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateURL(s) != nil {
			return
		}
		if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") || strings.ContainsAny(s, " \n\t") {
			t.Fatalf("accepted %q", s)
		}
	})
}

func FuzzIndicatorFor(f *testing.F) {
	for _, s := range []string{sha1Hex, "10.0.0.1", "example.com", "https://x.com/", "", "'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, v, err := IndicatorFor(s)
		if err == nil && (typ == "" || v == "" || strings.ContainsAny(v, " '\"\n")) {
			t.Fatalf("IndicatorFor(%q) = %v %q", s, typ, v)
		}
	})
}
