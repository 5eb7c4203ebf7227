package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// checker collects problems. Messages take only constants and positions as arguments, and the
// REDIS_URL parser's own messages, which may name an option or a part of the path but never hold
// a password.
type checker struct{ problems []Problem }

func (ck *checker) add(name, format string, args ...any) {
	ck.problems = append(ck.problems, Problem{Var: name, Message: fmt.Sprintf(format, args...)})
}

func checkSlack(ck *checker, c *Config) {
	checkToken(ck, "SLACK_APP_TOKEN", c.SlackAppToken, "xapp-", "xoxb-")
	checkToken(ck, "SLACK_BOT_TOKEN", c.SlackBotToken, "xoxb-", "xapp-")
	if u, ok := checkHTTPURL(ck, "MDEBOT_SLACK_API_URL", c.SlackAPIURL, "http", "https"); ok {
		if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
			// The bot token travels in every call: plain http only to this host (tests, a local fake).
			ck.add("MDEBOT_SLACK_API_URL", "must be an https:// URL (plain http:// only to localhost or a loopback address)")
			return
		}
		u.Path = strings.TrimSuffix(u.Path, "/") + "/"
		c.SlackAPIURL = u.String()
	}
}

// checkToken checks a Slack token's prefix, and says so when it holds the other kind of token.
func checkToken(ck *checker, name, token, prefix, otherPrefix string) {
	switch {
	case token == "":
		ck.add(name, "is required: a Slack token starting with %s", prefix)
	case strings.HasPrefix(token, otherPrefix):
		ck.add(name, "holds a %s token, not a %s one: SLACK_APP_TOKEN and SLACK_BOT_TOKEN look swapped",
			otherPrefix, prefix)
	case !strings.HasPrefix(token, prefix) || len(token) == len(prefix):
		ck.add(name, "must be a Slack token starting with %s", prefix)
	}
}

func checkAzure(ck *checker, c *Config) {
	switch {
	case c.TenantID == "":
		ck.add("AZURE_TENANT_ID", "is required: the directory (tenant) ID of the Entra application")
	case !isGUID(c.TenantID) && !isDomainName(c.TenantID):
		ck.add("AZURE_TENANT_ID", "must be a directory (tenant) ID, a GUID, or a domain name such as contoso.onmicrosoft.com")
	}
	switch {
	case c.ClientID == "":
		ck.add("AZURE_CLIENT_ID", "is required: the application (client) ID of the Entra application")
	case !isGUID(c.ClientID):
		ck.add("AZURE_CLIENT_ID", "must be an application (client) ID, a GUID")
	}
	var set []string
	for _, v := range [][2]string{
		{"AZURE_CLIENT_CERTIFICATE_PATH", c.ClientCertificatePath},
		{"AZURE_CLIENT_SECRET", c.ClientSecret},
		{"AZURE_FEDERATED_TOKEN_FILE", c.FederatedTokenFile},
	} {
		if v[1] != "" {
			set = append(set, v[0])
		}
	}
	if n := len(set); n > 1 {
		ck.add(set[0], "only one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH and "+
			"AZURE_FEDERATED_TOKEN_FILE may be set, but %s and %s are set", strings.Join(set[:n-1], ", "), set[n-1])
	}
	if c.ClientCertificatePassword != "" && c.ClientCertificatePath == "" {
		ck.add("AZURE_CLIENT_CERTIFICATE_PASSWORD", "is set without AZURE_CLIENT_CERTIFICATE_PATH")
	}
	checkReadableFile(ck, "AZURE_CLIENT_CERTIFICATE_PATH", c.ClientCertificatePath)
	checkReadableFile(ck, "AZURE_FEDERATED_TOKEN_FILE", c.FederatedTokenFile)

	if cloud, ok := defender.LookupCloud(c.CloudName); ok {
		c.Cloud, c.CloudName = cloud, cloud.Name
	} else {
		ck.add("MDEBOT_CLOUD", "must be one of %s", strings.Join(defender.CloudNames, ", "))
	}
	if u, ok := checkHTTPURL(ck, "AZURE_AUTHORITY_HOST", c.CustomAuthorityHost, "https"); ok {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/"
		c.CustomAuthorityHost = u.String()
	}
	if u, ok := checkHTTPURL(ck, "MDEBOT_DEFENDER_URL", c.CustomDefenderURL, "https"); ok {
		u.Path = strings.TrimSuffix(u.Path, "/")
		c.CustomDefenderURL = u.String()
	}
	if u, ok := checkHTTPURL(ck, "MDEBOT_GRAPH_URL", c.CustomGraphURL, "https"); ok {
		u.Path = strings.TrimSuffix(u.Path, "/")
		if strings.HasSuffix(strings.ToLower(u.Path), "/v1.0") {
			ck.add("MDEBOT_GRAPH_URL", "must be the host root, like https://graph.microsoft.com (mdebot adds /v1.0/security/...)")
		}
		c.CustomGraphURL = u.String()
	}
	if h, ok := oneOf(ck, "MDEBOT_HUNT_API", c.HuntAPI, "graph", "mde"); ok {
		c.HuntAPI = h
	}
	if s := c.CustomDefenderScope; s != "" && (!strings.HasSuffix(s, "/.default") || strings.ContainsFunc(s, unicode.IsSpace)) {
		ck.add("MDEBOT_DEFENDER_SCOPE", "must be one scope ending in /.default, as client-credentials tokens "+
			"need (e.g. https://api.securitycenter.microsoft.com/.default)")
	}
}

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

func checkAlerts(ck *checker, c *Config) {
	checkChannel(ck, "MDEBOT_ALERT_CHANNEL", c.AlertChannel)
	c.AlertMinSeverity, _ = oneOf(ck, "MDEBOT_ALERT_MIN_SEVERITY", c.AlertMinSeverity,
		"Informational", "Low", "Medium", "High")
	c.AlertPollInterval = checkDuration(ck, "MDEBOT_ALERT_POLL_INTERVAL", c.RawAlertPollInterval,
		minPollInterval, 0)
	c.AlertLookback = checkDuration(ck, "MDEBOT_ALERT_LOOKBACK", c.RawAlertLookback, 0, maxLookback)
	if routes, err := commands.ParseRoutes(c.AlertRoutes); err != nil {
		ck.add("MDEBOT_ALERT_ROUTES", "%s (rules look like \"severity>=High -> C0123ABCD; group=Servers -> C0456EFGH\")", err.Error())
	} else {
		c.AlertRouteRules = routes
	}
}

func checkAccess(ck *checker, c *Config) {
	c.Responders = parsePeople(ck, "MDEBOT_RESPONDERS", c.RawResponders)
	c.Approvers = parsePeople(ck, "MDEBOT_APPROVERS", c.RawApprovers)
	c.Viewers = parseViewers(ck, c.RawViewers)
	if c.ApprovalChannel == "" && c.ActionsEnabled() {
		ck.add("MDEBOT_APPROVAL_CHANNEL", "is required when MDEBOT_RESPONDERS is set (approval cards go there)")
	}
	checkChannel(ck, "MDEBOT_APPROVAL_CHANNEL", c.ApprovalChannel)
	checkChannel(ck, "MDEBOT_AUDIT_CHANNEL", c.AuditChannel)
	c.ApprovalTTL = checkDuration(ck, "MDEBOT_APPROVAL_TTL", c.RawApprovalTTL, minApprovalTTL, maxApprovalTTL)

	n, err := strconv.Atoi(c.RawApprovalsRequired)
	switch {
	case err != nil || n < 1 || n > maxApprovalsRequired:
		ck.add("MDEBOT_APPROVALS_REQUIRED", "must be a whole number from 1 to %d", maxApprovalsRequired)
	case len(c.Approvers) > 0 && len(c.Approvers) < n &&
		!slices.ContainsFunc(c.Approvers, func(id string) bool { return id[0] == 'S' }):
		ck.add("MDEBOT_APPROVALS_REQUIRED", "asks for %d approvals but MDEBOT_APPROVERS names only %d "+
			"people and no user group", n, len(c.Approvers))
	default:
		c.ApprovalsRequired = n
	}
	checkApprovalPolicy(ck, c)
}

func checkService(ck *checker, c *Config) {
	if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		ck.add("MDEBOT_HTTP_ADDR", "must be host:port or :port")
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		ck.add("MDEBOT_HTTP_ADDR", "must end with a port number from 0 to 65535")
	}
	c.LogLevel, _ = oneOf(ck, "MDEBOT_LOG_LEVEL", c.LogLevel, "debug", "info", "warn", "error")
	c.LogFormat, _ = oneOf(ck, "MDEBOT_LOG_FORMAT", c.LogFormat, "json", "text")
	if !isToken(c.RedisPrefix, "_.:-") {
		ck.add("MDEBOT_REDIS_PREFIX", "may contain only letters, digits and _ . : -")
	}
	checkRedisURL(ck, c.RedisURL)
	if c.RedisURL != "" && store.InsecureTLS(c.RedisURL) && !c.RedisInsecure {
		ck.add("REDIS_URL", "turns off the check of the Redis server's TLS certificate (skip_verify=true), so anyone "+
			"on the network path could read and change the bot's state; remove it (SSL_CERT_DIR trusts a private CA), "+
			"or set MDEBOT_REDIS_INSECURE=true to accept the risk on purpose")
	}
}

// checkRedisURL checks an optional REDIS_URL with the parser store.Open uses, so that every form
// it takes (one node, TLS, Sentinel, Cluster host lists) is accepted here and nothing else is.
// The store's messages never contain a password.
func checkRedisURL(ck *checker, raw string) {
	if raw == "" {
		return
	}
	if err := store.ValidateURL(raw); err != nil {
		detail := strings.TrimPrefix(err.Error(), store.ErrInvalidURL.Error()+": ")
		ck.add("REDIS_URL", "is not a usable Redis URL: %s (the forms are redis://host:6379/0, rediss://..., "+
			"redis+sentinel://s1,s2/master and redis://host1,host2 for Cluster)", detail)
	}
}

// checkChannel checks an optional Slack channel ID.
func checkChannel(ck *checker, name, id string) {
	if id != "" && !isSlackID(id, "CGD") {
		ck.add(name, "must be a channel ID (C…, G… or D…, shown in the channel's details), not a channel name")
	}
}

// parseViewers parses MDEBOT_VIEWERS: people and user groups as parsePeople reads them, or "*"
// alone for everyone, guests and people of other organisations included.
func parseViewers(ck *checker, raw string) []string {
	if strings.TrimSpace(raw) == commands.AllViewers {
		return []string{commands.AllViewers}
	}
	if strings.Contains(raw, commands.AllViewers) {
		ck.add("MDEBOT_VIEWERS", "is either * alone (everyone, guests included) or a list of IDs, not both")
		return nil
	}
	return parsePeople(ck, "MDEBOT_VIEWERS", raw)
}

// parsePeople parses a comma-separated list of Slack user IDs (U…, W…) and user-group IDs (S…),
// dropping empty entries and duplicates. A wrong entry is named by its position, not its value.
func parsePeople(ck *checker, name, raw string) []string {
	var ids, bad []string
	n := 0
	for _, id := range strings.Split(raw, ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		n++
		switch {
		case !isSlackID(id, "UWS"):
			bad = append(bad, strconv.Itoa(n))
		case !slices.Contains(ids, id):
			ids = append(ids, id)
		}
	}
	switch {
	case len(bad) == 1:
		ck.add(name, "entry %s of %d is not a Slack user ID (U…, W…) or user-group ID (S…)", bad[0], n)
	case len(bad) > 1:
		ck.add(name, "entries %s of %d are not Slack user IDs (U…, W…) or user-group IDs (S…)",
			strings.Join(bad, ", "), n)
	}
	return ids
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

// isSlackID reports whether id is one of the prefixes followed by upper-case letters and digits.
func isSlackID(id, prefixes string) bool {
	return len(id) > 1 && strings.IndexByte(prefixes, id[0]) >= 0 &&
		!strings.ContainsFunc(id[1:], func(r rune) bool { return (r < 'A' || r > 'Z') && (r < '0' || r > '9') })
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
