package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
)

// Redacted renders the effective configuration, one NAME=value line per variable in DESIGN.md's
// order, then the credential kind and instance discovery. Secrets show only as set or unset, and
// REDIS_URL without its user info. It is what `mdebot check` prints.
func (c Config) Redacted() string {
	var b strings.Builder
	for _, kv := range c.settings() {
		fmt.Fprintf(&b, "%s=%s\n", kv[0], kv[1])
	}
	discovery := "on"
	if c.DisableInstanceDiscovery() {
		discovery = "off (the authority is not a Microsoft cloud)"
	}
	fmt.Fprintf(&b, "# credential: %s\n# instance discovery: %s\n", c.CredentialKind(), discovery)
	return b.String()
}

// String returns Redacted.
func (c Config) String() string { return c.Redacted() }

// Format prints Redacted whatever the verb, so that no verb (%d, %#v ...) reaches a secret field.
func (c Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.Redacted()) }

// LogValue logs the redacted settings as a group.
func (c Config) LogValue() slog.Value {
	var attrs []slog.Attr
	for _, kv := range c.settings() {
		attrs = append(attrs, slog.String(kv[0], kv[1]))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON encodes the redacted settings as one object.
func (c Config) MarshalJSON() ([]byte, error) {
	m := make(map[string]string)
	for _, kv := range c.settings() {
		m[kv[0]] = kv[1]
	}
	return json.Marshal(m)
}

// settings lists every variable with a value safe to print.
func (c Config) settings() [][2]string {
	secret := func(v string) string {
		if v == "" {
			return "unset"
		}
		return "set"
	}
	or := func(v, unset string) string { return cmp.Or(v, "unset"+unset) }
	fromCloud := func(custom, shown string) string {
		if custom == "" && shown != "" {
			return shown + " (from MDEBOT_CLOUD)"
		}
		return or(shown, "")
	}
	return [][2]string{
		{"SLACK_APP_TOKEN", secret(c.SlackAppToken)},
		{"SLACK_BOT_TOKEN", secret(c.SlackBotToken)},
		{"MDEBOT_SLACK_API_URL", or(displayURL(c.SlackAPIURL), "")},
		{"AZURE_TENANT_ID", or(c.TenantID, "")},
		{"AZURE_CLIENT_ID", or(c.ClientID, "")},
		{"AZURE_CLIENT_SECRET", secret(c.ClientSecret)},
		{"AZURE_CLIENT_CERTIFICATE_PATH", or(c.ClientCertificatePath, "")},
		{"AZURE_CLIENT_CERTIFICATE_PASSWORD", secret(c.ClientCertificatePassword)},
		{"AZURE_FEDERATED_TOKEN_FILE", or(c.FederatedTokenFile, "")},
		{"AZURE_AUTHORITY_HOST", fromCloud(c.CustomAuthorityHost, displayURL(c.AuthorityHost()))},
		{"MDEBOT_CLOUD", c.CloudName},
		{"MDEBOT_DEFENDER_URL", fromCloud(c.CustomDefenderURL, displayURL(c.DefenderURL()))},
		{"MDEBOT_DEFENDER_SCOPE", fromCloud(c.CustomDefenderScope, c.Scope())},
		{"MDEBOT_GRAPH_URL", fromCloud(c.CustomGraphURL, displayURL(c.GraphURL()))},
		{"MDEBOT_HUNT_API", c.HuntAPI},
		{"REDIS_URL", or(displayURL(c.RedisURL), " (embedded in-process store)")},
		{"MDEBOT_REDIS_PREFIX", c.RedisPrefix},
		{"MDEBOT_REDIS_INSECURE", strconv.FormatBool(c.RedisInsecure)},
		{"MDEBOT_ALERT_CHANNEL", or(c.AlertChannel, " (notifications off)")},
		{"MDEBOT_ALERT_ROUTES", or(c.AlertRoutes, "")},
		{"MDEBOT_ALERT_MIN_SEVERITY", c.AlertMinSeverity},
		{"MDEBOT_ALERT_POLL_INTERVAL", shortDuration(c.AlertPollInterval)},
		{"MDEBOT_ALERT_LOOKBACK", shortDuration(c.AlertLookback)},
		{"MDEBOT_APPROVAL_CHANNEL", or(c.ApprovalChannel, "")},
		{"MDEBOT_RESPONDERS", or(strings.Join(c.Responders, ","), " (nobody)")},
		{"MDEBOT_APPROVERS", or(strings.Join(c.Approvers, ","), " (nobody)")},
		{"MDEBOT_VIEWERS", or(strings.Join(c.Viewers, ","), " (full members of the workspace: no guests, nobody from another organisation)")},
		{"MDEBOT_APPROVAL_TTL", shortDuration(c.ApprovalTTL)},
		{"MDEBOT_APPROVALS_REQUIRED", strconv.Itoa(c.ApprovalsRequired)},
		{"MDEBOT_APPROVAL_POLICY", or(c.RawApprovalPolicy, " (scan, alert updates and mutes of at most 24 h without open High alerts need no approval, the rest MDEBOT_APPROVALS_REQUIRED)")},
		{"MDEBOT_PROTECTED", or(c.RawProtected, " (no protected devices)")},
		{"MDEBOT_AUDIT_CHANNEL", or(c.AuditChannel, " (Redis stream only)")},
		{"MDEBOT_HTTP_ADDR", c.HTTPAddr},
		{"MDEBOT_LOG_LEVEL", c.LogLevel},
		{"MDEBOT_LOG_FORMAT", c.LogFormat},
	}
}

// displayURL shows a URL with its user info replaced and credential-like query values hidden;
// anything it cannot parse as a URL with a host is shown only as set. The authority is cut by
// hand, as store.ValidateURL does, because net/url takes one host and REDIS_URL can name several
// (Sentinel, Cluster).
func displayURL(raw string) string {
	if raw == "" {
		return ""
	}
	scheme, after, ok := strings.Cut(raw, "://")
	end := strings.IndexAny(after, "/?#")
	if end < 0 {
		end = len(after)
	}
	authority, rest := after[:end], after[end:]
	userinfo := ""
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, authority = "xxxxx@", authority[i+1:]
	}
	// The rest is parsed under a stand-in authority; an "@" in it is a password with an
	// unencoded / ? or #, which must not be shown.
	u, err := url.Parse("x://h" + rest)
	if !ok || scheme == "" || authority == "" || err != nil || strings.Contains(rest, "@") {
		return "set (not a valid URL)"
	}
	q := u.Query()
	for k := range q {
		if sensitiveKey(strings.ToLower(k)) {
			q[k] = []string{"xxxxx"}
		}
	}
	u.RawQuery, u.Fragment, u.RawFragment = q.Encode(), "", ""
	return scheme + "://" + userinfo + authority + strings.TrimPrefix(u.String(), "x://h")
}

// sensitiveKey reports whether a query parameter name suggests a credential.
func sensitiveKey(k string) bool {
	for _, s := range []string{"pass", "secret", "token", "key", "auth", "cred", "sig"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}
