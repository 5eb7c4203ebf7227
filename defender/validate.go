package defender

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// ValidationError says why a value is not a valid device ID, hash, IP, domain or URL. Its message
// is safe to show to a user: it quotes at most a short, sanitised excerpt of the value.
type ValidationError struct {
	Kind   string // "device ID", "hash", "IP address", "domain", "URL"
	Reason string
}

func (e *ValidationError) Error() string { return "not a valid " + e.Kind + ": " + e.Reason }

func invalid(kind, format string, args ...any) error {
	return &ValidationError{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// HashType is the kind of a file hash, named as MDE names indicator types.
type HashType string

// Hash types.
const (
	SHA1   HashType = "FileSha1"
	SHA256 HashType = "FileSha256"
	MD5    HashType = "FileMd5"
)

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// ValidateMachineID checks an MDE device ID: 40 hexadecimal characters.
func ValidateMachineID(s string) error {
	switch {
	case len(s) != 40:
		return invalid("device ID", "it must be 40 hexadecimal characters, this has %d", len(s))
	case !isHex(s):
		return invalid("device ID", "it must contain only the hexadecimal digits 0-9 and a-f")
	}
	return nil
}

// IsMachineID reports whether s has the form of a device ID.
func IsMachineID(s string) bool { return ValidateMachineID(s) == nil }

// ParseHash returns the type of a SHA-1, SHA-256 or MD5 hash given in hex, and the hash in lower
// case.
func ParseHash(s string) (HashType, string, error) {
	if !isHex(s) {
		return "", "", invalid("hash", "a hash contains only the hexadecimal digits 0-9 and a-f")
	}
	h := strings.ToLower(s)
	switch len(s) {
	case 40:
		return SHA1, h, nil
	case 64:
		return SHA256, h, nil
	case 32:
		return MD5, h, nil
	}
	return "", "", invalid("hash", "a SHA-1 has 40 hex digits, a SHA-256 64 and an MD5 32; this has %d", len(s))
}

// ValidateSHA1 checks a SHA-1 (40 hex), as StopAndQuarantineFile and file→machines need.
func ValidateSHA1(s string) error {
	t, _, err := ParseHash(s)
	if err != nil {
		return err
	}
	if t != SHA1 {
		return invalid("hash", "a SHA-1 (40 hex digits) is needed here, this is a %s", t.short())
	}
	return nil
}

func (t HashType) short() string {
	switch t {
	case SHA1:
		return "SHA-1"
	case SHA256:
		return "SHA-256"
	case MD5:
		return "MD5"
	}
	return string(t)
}

// ParseIP checks a single IPv4 or IPv6 address (no CIDR, no zone) and returns its canonical form.
func ParseIP(s string) (netip.Addr, error) {
	if strings.Contains(s, "/") {
		return netip.Addr{}, invalid("IP address", "ranges (CIDR) are not supported by MDE; give one address")
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, invalid("IP address", "expected an address such as 10.1.2.3 or 2001:db8::1")
	}
	if a.Zone() != "" {
		return netip.Addr{}, invalid("IP address", "an address with a zone (%%) is not accepted")
	}
	return a.Unmap(), nil
}

// ValidateDomain checks a DNS domain name: ASCII letters, digits and hyphens in labels of 1-63
// characters, at least two labels, 253 characters at most, a TLD that is not all digits.
// International names must be given in their xn-- form, so look-alike letters cannot hide in
// them.
func ValidateDomain(s string) error {
	d := strings.TrimSuffix(s, ".")
	switch {
	case d == "":
		return invalid("domain", "it is empty")
	case len(d) > 253:
		return invalid("domain", "it is longer than 253 characters")
	}
	for i := 0; i < len(d); i++ {
		if d[i] >= 0x80 {
			return invalid("domain", "it has non-ASCII characters; give an international name in its xn-- form")
		}
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return invalid("domain", "it needs at least two labels, such as example.com")
	}
	for _, l := range labels {
		if err := validateLabel(l); err != nil {
			return err
		}
	}
	tld := labels[len(labels)-1]
	if strings.Trim(tld, "0123456789") == "" {
		return invalid("domain", "the last label is all digits (an IP address is not a domain)")
	}
	return nil
}

func validateLabel(l string) error {
	if l == "" || len(l) > 63 {
		return invalid("domain", "every label must have 1 to 63 characters")
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return invalid("domain", "a label cannot start or end with a hyphen")
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return invalid("domain", "labels may contain only letters, digits, hyphens and underscores")
		}
	}
	return nil
}

// ValidateURL checks an http or https URL with a valid host (a domain or an IP) and no user
// information, up to 2,048 characters.
func ValidateURL(s string) error {
	if len(s) > 2048 {
		return invalid("URL", "it is longer than 2048 characters")
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return invalid("URL", "it contains spaces or control characters")
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return invalid("URL", "it cannot be parsed")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return invalid("URL", "it must start with http:// or https://")
	}
	if u.User != nil {
		return invalid("URL", "it must not contain a user name or password")
	}
	host := u.Hostname()
	if host == "" {
		return invalid("URL", "it has no host")
	}
	if _, err := ParseIP(host); err == nil {
		return nil
	}
	if err := ValidateDomain(host); err != nil {
		return invalid("URL", "its host is not valid: %s", err.(*ValidationError).Reason)
	}
	return nil
}
