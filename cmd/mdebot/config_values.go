package main

import (
	"errors"
	"io/fs"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"
)

// checkReadableFile checks that path, when set, names a non-empty file that mdebot can open.
func checkReadableFile(ck *checker, name, path string) {
	if path == "" {
		return
	}
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		ck.add(name, "names a file that does not exist")
		return
	case errors.Is(err, fs.ErrPermission):
		ck.add(name, "names a file that mdebot is not allowed to read")
		return
	case err != nil:
		ck.add(name, "names a file that cannot be opened")
		return
	}
	defer f.Close()
	switch st, err := f.Stat(); {
	case err != nil:
		ck.add(name, "names a file that cannot be read")
	case st.IsDir():
		ck.add(name, "names a directory, not a file")
	case st.Size() == 0 && st.Mode().IsRegular():
		ck.add(name, "names an empty file")
	}
}

// checkHTTPURL checks an optional URL with one of the schemes, a host, and no credentials, query
// or fragment. Messages never include the URL.
func checkHTTPURL(ck *checker, name, raw string, schemes ...string) (*url.URL, bool) {
	if raw == "" {
		return nil, false
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		ck.add(name, "is not a valid URL")
	case !slices.Contains(schemes, u.Scheme):
		ck.add(name, "must be a URL starting with %s://", strings.Join(schemes, ":// or "))
	case u.Host == "":
		ck.add(name, "must be a URL with a host")
	case u.User != nil:
		ck.add(name, "must not contain a user name or password")
	case u.RawQuery != "" || u.Fragment != "":
		ck.add(name, "must not have a query or a fragment")
	default:
		return u, true
	}
	return nil, false
}

// checkDuration parses a duration and checks that it lies in [lo, hi]; hi 0 means no upper bound.
func checkDuration(ck *checker, name, raw string, lo, hi time.Duration) time.Duration {
	d, err := time.ParseDuration(raw)
	switch {
	case err != nil:
		ck.add(name, "must be a duration such as 30s, 15m or 1h")
	case d < 0 && lo == 0:
		ck.add(name, "must not be negative")
	case d < lo:
		ck.add(name, "must be at least %s", shortDuration(lo))
	case hi > 0 && d > hi:
		ck.add(name, "must be at most %s", shortDuration(hi))
	default:
		return d
	}
	return 0
}

// shortDuration formats d without zero minutes and seconds: 1m, 24h, 720h.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// oneOf returns the accepted value equal to value ignoring case.
func oneOf(ck *checker, name, value string, accepted ...string) (string, bool) {
	for _, a := range accepted {
		if strings.EqualFold(a, value) {
			return a, true
		}
	}
	ck.add(name, "must be one of %s", strings.Join(accepted, ", "))
	return value, false
}

// isGUID reports whether s is a GUID in its 8-4-4-4-12 hex form.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// isDomainName reports whether s is a DNS name with at least two labels and a top label with a letter.
func isDomainName(s string) bool {
	labels := strings.Split(s, ".")
	if len(s) > 253 || len(labels) < 2 || !strings.ContainsFunc(labels[len(labels)-1], unicode.IsLetter) {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' || !isToken(l, "-") {
			return false
		}
	}
	return true
}

// isToken reports whether s is non-empty and made of ASCII letters, digits and the extra bytes.
func isToken(s, extra string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && !strings.ContainsRune(extra, r)
	})
}

// isLoopbackHost reports whether host is localhost or a loopback IP address.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
