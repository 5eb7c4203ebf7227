package main

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
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
