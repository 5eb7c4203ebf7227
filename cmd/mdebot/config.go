package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/sethvargo/go-envconfig"
)

// Config is mdebot's configuration, the environment contract of DESIGN.md. Every env-tagged field
// is read as a string, trimmed, with a set-but-blank variable counting as unset (so its default
// applies); LoadConfig then parses and checks them all, and fills the untagged fields, so that one
// run reports every problem. Printing a Config (fmt, slog, JSON) goes through Redacted, which
// never shows a secret.
type Config struct {
	SlackAppToken string `env:"SLACK_APP_TOKEN"`                                      // secret, xapp-
	SlackBotToken string `env:"SLACK_BOT_TOKEN"`                                      // secret, xoxb-
	SlackAPIURL   string `env:"MDEBOT_SLACK_API_URL, default=https://slack.com/api/"` // ends with "/"

	TenantID                  string `env:"AZURE_TENANT_ID"`
	ClientID                  string `env:"AZURE_CLIENT_ID"`
	ClientSecret              string `env:"AZURE_CLIENT_SECRET"`               // secret
	ClientCertificatePath     string `env:"AZURE_CLIENT_CERTIFICATE_PATH"`     // PEM or PFX
	ClientCertificatePassword string `env:"AZURE_CLIENT_CERTIFICATE_PASSWORD"` // secret
	FederatedTokenFile        string `env:"AZURE_FEDERATED_TOKEN_FILE"`
	CustomAuthorityHost       string `env:"AZURE_AUTHORITY_HOST"` // see AuthorityHost
	CloudName                 string `env:"MDEBOT_CLOUD, default=public"`
	CustomDefenderURL         string `env:"MDEBOT_DEFENDER_URL"`   // see DefenderURL
	CustomDefenderScope       string `env:"MDEBOT_DEFENDER_SCOPE"` // see Scope
	CustomGraphURL            string `env:"MDEBOT_GRAPH_URL"`      // see GraphURL
	HuntAPI                   string `env:"MDEBOT_HUNT_API, default=graph"`

	RedisURL    string `env:"REDIS_URL"` // its password is secret; empty: embedded store
	RedisPrefix string `env:"MDEBOT_REDIS_PREFIX, default=mdebot"`
	// RedisInsecure allows a rediss:// REDIS_URL with skip_verify=true (no certificate check).
	RedisInsecure bool `env:"MDEBOT_REDIS_INSECURE, default=false"`

	AlertChannel         string `env:"MDEBOT_ALERT_CHANNEL"`
	AlertRoutes          string `env:"MDEBOT_ALERT_ROUTES"` // raw; its grammar is parsed elsewhere
	AlertMinSeverity     string `env:"MDEBOT_ALERT_MIN_SEVERITY, default=Low"`
	RawAlertPollInterval string `env:"MDEBOT_ALERT_POLL_INTERVAL, default=15s"`
	RawAlertLookback     string `env:"MDEBOT_ALERT_LOOKBACK, default=1h"`

	ApprovalChannel      string `env:"MDEBOT_APPROVAL_CHANNEL"`
	RawResponders        string `env:"MDEBOT_RESPONDERS"`
	RawApprovers         string `env:"MDEBOT_APPROVERS"`
	RawViewers           string `env:"MDEBOT_VIEWERS"`
	RawApprovalTTL       string `env:"MDEBOT_APPROVAL_TTL, default=30m"`
	RawApprovalsRequired string `env:"MDEBOT_APPROVALS_REQUIRED, default=1"`
	RawApprovalPolicy    string `env:"MDEBOT_APPROVAL_POLICY"` // verb=n,...; see commands.ParseApprovalPolicy
	RawProtected         string `env:"MDEBOT_PROTECTED"`       // group:X=n;tag:Y=never; see commands.ParseProtected
	AuditChannel         string `env:"MDEBOT_AUDIT_CHANNEL"`

	HTTPAddr  string `env:"MDEBOT_HTTP_ADDR, default=:8080"`
	LogLevel  string `env:"MDEBOT_LOG_LEVEL, default=info"`
	LogFormat string `env:"MDEBOT_LOG_FORMAT, default=json"`

	// Cloud is the cloud named by MDEBOT_CLOUD.
	Cloud defender.Cloud
	// AlertPollInterval and AlertLookback are the parsed MDEBOT_ALERT_POLL_INTERVAL and
	// MDEBOT_ALERT_LOOKBACK.
	AlertPollInterval, AlertLookback time.Duration
	// AlertRouteRules are the parsed MDEBOT_ALERT_ROUTES (see commands.ParseRoutes).
	AlertRouteRules commands.Routes
	// Responders, Approvers and Viewers are the Slack user and user-group IDs of
	// MDEBOT_RESPONDERS, MDEBOT_APPROVERS and MDEBOT_VIEWERS, without duplicates.
	Responders, Approvers, Viewers []string
	// ApprovalTTL is the parsed MDEBOT_APPROVAL_TTL.
	ApprovalTTL time.Duration
	// ApprovalsRequired is the parsed MDEBOT_APPROVALS_REQUIRED.
	ApprovalsRequired int
	// ApprovalPolicy and Protected are the parsed MDEBOT_APPROVAL_POLICY and MDEBOT_PROTECTED.
	ApprovalPolicy map[string]commands.Need
	Protected      []commands.ProtectedRule
}

// Problem is one thing wrong in the configuration: the variable and what is wrong with it, never
// the variable's value.
type Problem struct {
	Var     string
	Message string
}

// ConfigError lists every problem found in the configuration, sorted by variable.
type ConfigError struct {
	Problems []Problem
}

// Error lists the problems, one line each.
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("invalid configuration:")
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s: %s", p.Var, p.Message)
	}
	return b.String()
}

// Limits of the checked values.
const (
	minPollInterval      = 5 * time.Second
	maxLookback          = 30 * 24 * time.Hour
	minApprovalTTL       = time.Minute
	maxApprovalTTL       = 24 * time.Hour
	maxApprovalsRequired = 5
)

// LoadConfig reads the configuration through lookup and checks all of it. On failure it returns a
// *ConfigError with every problem found.
func LoadConfig(ctx context.Context, lookup envconfig.Lookuper) (*Config, error) {
	if lookup == nil {
		return nil, errors.New("load config: no lookuper")
	}
	var cfg Config
	err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: &cfg, Lookuper: presentLookuper{lookup}})
	if err != nil {
		// Every tagged field is a string, so this is a broken tag; the error names a field only.
		return nil, fmt.Errorf("load config: %w", err)
	}
	var ck checker
	checkSlack(&ck, &cfg)
	checkAzure(&ck, &cfg)
	checkAlerts(&ck, &cfg)
	checkAccess(&ck, &cfg)
	checkService(&ck, &cfg)
	if len(ck.problems) > 0 {
		slices.SortStableFunc(ck.problems, func(a, b Problem) int { return cmp.Compare(a.Var, b.Var) })
		return nil, &ConfigError{Problems: ck.problems}
	}
	return &cfg, nil
}

// ActionsEnabled reports whether anyone may request response actions (MDEBOT_RESPONDERS is set).
func (c Config) ActionsEnabled() bool { return len(c.Responders) > 0 }

// DefenderURL is the MDE API base without a trailing slash: MDEBOT_DEFENDER_URL, else the cloud's.
func (c Config) DefenderURL() string { return cmp.Or(c.CustomDefenderURL, c.Cloud.APIURL) }

// Scope is the token scope: MDEBOT_DEFENDER_SCOPE, else the cloud's. It never follows a custom
// MDEBOT_DEFENDER_URL: regional and test hosts take the token audience of their cloud.
func (c Config) Scope() string { return cmp.Or(c.CustomDefenderScope, c.Cloud.Scope) }

// GraphURL is the Microsoft Graph host root for hunting, without a trailing slash:
// MDEBOT_GRAPH_URL, else the cloud's. The Graph scope is always the cloud's (GraphScope).
func (c Config) GraphURL() string { return cmp.Or(c.CustomGraphURL, c.Cloud.GraphURL) }

// GraphScope is the Graph token scope of the cloud; MDEBOT_GRAPH_URL never changes it.
func (c Config) GraphScope() string { return c.Cloud.GraphScope }

// HuntOnGraph reports whether hunt uses Graph's runHuntingQuery (MDEBOT_HUNT_API=graph) rather
// than the retiring MDE advanced hunting API (mde).
func (c Config) HuntOnGraph() bool { return c.HuntAPI != "mde" }

// AuthorityHost is the Entra authority with a trailing slash: AZURE_AUTHORITY_HOST, else the cloud's.
func (c Config) AuthorityHost() string { return cmp.Or(c.CustomAuthorityHost, c.Cloud.AuthorityHost) }

// DisableInstanceDiscovery reports whether the authority is not one of Microsoft's, in which case
// MSAL must not validate it against login.microsoftonline.com.
func (c Config) DisableInstanceDiscovery() bool {
	return !defender.IsMicrosoftAuthority(c.AuthorityHost())
}

// CredentialKind says how the application proves itself, from which variables are set.
func (c Config) CredentialKind() CredentialKind {
	switch {
	case c.ClientSecret != "":
		return CredentialSecret
	case c.ClientCertificatePath != "":
		return CredentialCertificate
	case c.FederatedTokenFile != "":
		return CredentialWorkload
	default:
		return CredentialManaged
	}
}

// SlogLevel is MDEBOT_LOG_LEVEL as a slog.Level.
func (c Config) SlogLevel() slog.Level {
	switch c.LogLevel {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// presentLookuper trims values and reports a blank variable as unset.
type presentLookuper struct{ l envconfig.Lookuper }

// Lookup implements envconfig.Lookuper.
func (p presentLookuper) Lookup(key string) (string, bool) {
	v, ok := p.l.Lookup(key)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}
