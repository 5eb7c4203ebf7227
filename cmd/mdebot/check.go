package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
	"github.com/redis/go-redis/v9"
	"github.com/sethvargo/go-envconfig"
	"github.com/slack-go/slack"
)

// runCheck is `mdebot check`: it validates the configuration, prints it without secrets, and
// tries each dependency once: an Entra token, one MDE call, the app's permissions (from its
// tokens' roles), Redis and Slack's auth.test. Any failure, a missing permission included, makes
// it exit non-zero.
func runCheck(ctx context.Context, lookup envconfig.Lookuper, out io.Writer, sm seams) error {
	cfg, err := LoadConfig(ctx, lookup)
	if err != nil {
		return err
	}
	if sm.transport == nil {
		// go-redis logs failed dials on its own through a package-level logger (stderr by
		// default), which would interleave with this report; the Redis step reports the same
		// error itself. Only the production path sets it: tests run several bots in one process.
		redis.SetLogger(redisLogger{slog.New(slog.DiscardHandler)})
	}
	fmt.Fprintln(out, "Configuration (secrets hidden):")
	fmt.Fprintln(out, cfg.Redacted())
	fmt.Fprintln(out)
	if cfg.RedisURL != "" && store.InsecureTLS(cfg.RedisURL) {
		fmt.Fprintf(out, "WARN  %-16s %s\n\n", "Redis TLS", "REDIS_URL has skip_verify=true (allowed by MDEBOT_REDIS_INSECURE): the server's "+
			"certificate is not checked, so anyone on the network path can read and change the bot's state")
	}
	failed := 0
	// step runs one check and prints one line for it; a failure gets a second line that says what
	// to do next.
	step := func(name string, f func(ctx context.Context) (string, error), next func(err error) string) bool {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		detail, err := f(ctx)
		if err != nil {
			failed++
			fmt.Fprintf(out, "FAIL  %-16s %s\n", name, oneLine(err.Error()))
			fmt.Fprintf(out, "      %-16s next: %s\n", "", next(err))
			return false
		}
		fmt.Fprintf(out, "ok    %-16s %s\n", name, detail)
		return true
	}
	cred, err := newCredential(cfg, sm.transport)
	if err != nil {
		return err
	}
	tokenOK := step("Entra token", func(ctx context.Context) (string, error) {
		tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{cfg.Scope()}})
		if err != nil {
			return "", fmt.Errorf("no token for %s with the %s credential: %w", cfg.Scope(), cfg.CredentialKind(), err)
		}
		return fmt.Sprintf("%s credential, token valid until %s", cfg.CredentialKind(), tok.ExpiresOn.UTC().Format(time.RFC3339)), nil
	}, nextForToken)
	mdeOpts := []defender.Option{defender.WithBaseURL(cfg.DefenderURL()), defender.WithScope(cfg.Scope())}
	if sm.transport != nil {
		mdeOpts = append(mdeOpts, defender.WithTransport(sm.transport))
	}
	mde, err := defender.New(cred, mdeOpts...)
	if err != nil {
		return err
	}
	step("Defender API", func(ctx context.Context) (string, error) {
		if !tokenOK {
			return "", errors.New("not tried: it needs the Entra token above")
		}
		ms, err := mde.ListMachines(ctx, defender.ListOptions{Limit: 1})
		if err != nil {
			return "", fmt.Errorf("%s", commands.ErrorMessage(err, "check"))
		}
		return fmt.Sprintf("%s answered (%d device listed)", cfg.DefenderURL(), len(ms)), nil
	}, func(error) string {
		if !tokenOK {
			return "fix the Entra token first"
		}
		return "give the app the WindowsDefenderATP application permissions and grant admin consent " +
			"(README, Setup, step 2); if the host did not answer, check MDEBOT_DEFENDER_URL and the egress to it"
	})
	missing := -1
	step("Permissions", func(ctx context.Context) (string, error) {
		if !tokenOK {
			return "", errors.New("not tried: it needs the Entra token above")
		}
		p, err := permissionsOf(cfg, cred)(ctx)
		if err != nil {
			return "", fmt.Errorf("%s", commands.ErrorMessage(err, "check"))
		}
		if missing = printPermissions(out, p); missing > 0 {
			return "", fmt.Errorf("%d feature(s) lack their permission (listed above)", missing)
		}
		return fmt.Sprintf("all %d features have their permission", len(p.Features)), nil
	}, func(error) string {
		if missing > 0 {
			return "add the missing application permissions to the Entra app (WindowsDefenderATP for " +
				"Defender, Microsoft Graph for hunting) and grant admin consent (README, Setup, step 2)"
		}
		return "fix the Entra token first; the permissions are read from its roles claim"
	})
	step("Redis", func(ctx context.Context) (string, error) {
		if cfg.RedisURL == "" {
			return "REDIS_URL unset: the embedded store will be used (single replica, not durable)", nil
		}
		rdb, err := store.Open(ctx, cfg.RedisURL, store.OpenOptions{AllowInsecureTLS: cfg.RedisInsecure})
		if err != nil {
			return "", err
		}
		defer rdb.Close()
		return "reachable", nil
	}, func(error) string {
		return "check REDIS_URL: host and port, user and password (the ACL user needs the commands " +
			"in README, Setup, step 3), rediss:// and SSL_CERT_DIR for TLS with a private CA"
	})
	slackOK := step("Slack", func(ctx context.Context) (string, error) {
		api := slack.New(cfg.SlackBotToken, slack.OptionAPIURL(cfg.SlackAPIURL),
			slack.OptionLog(slog.NewLogLogger(slog.DiscardHandler, slog.LevelDebug)))
		res, err := api.AuthTestContext(ctx)
		if err != nil {
			return "", fmt.Errorf("auth.test with SLACK_BOT_TOKEN: %w", err)
		}
		return fmt.Sprintf("bot %s in team %s", res.UserID, res.Team), nil
	}, nextForSlack)
	if slackOK { // the next Slack steps go to the same API URL; auth.test failing explains them
		slackChecks(cfg, step)
	}
	if failed > 0 {
		return fmt.Errorf("%d check(s) failed; fix them in order, the first can cause the others", failed)
	}
	return nil
}

// nextForToken says what to do when no Entra token came.
func nextForToken(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "AADSTS7000215"), strings.Contains(msg, "AADSTS7000222"):
		return "the client secret is wrong or expired: create a new one and set AZURE_CLIENT_SECRET to its Value"
	case strings.Contains(msg, "AADSTS700016"), strings.Contains(msg, "AADSTS90002"):
		return "AZURE_CLIENT_ID or AZURE_TENANT_ID does not name this app registration and tenant"
	}
	return "check AZURE_TENANT_ID, AZURE_CLIENT_ID and the credential (secret, certificate, federated " +
		"token or managed identity); if Entra did not answer, check the egress to the authority host"
}

// nextForSlack says what to do when auth.test failed.
func nextForSlack(err error) string {
	msg := err.Error()
	if strings.Contains(msg, "invalid_auth") || strings.Contains(msg, "token_revoked") ||
		strings.Contains(msg, "not_authed") || strings.Contains(msg, "account_inactive") {
		return "SLACK_BOT_TOKEN is wrong or revoked: copy the Bot User OAuth Token (xoxb-) from the app's " +
			"OAuth & Permissions page, reinstalling the app if it is gone"
	}
	return "check that MDEBOT_SLACK_API_URL (default https://slack.com/api/) is reachable from here"
}

// oneLine joins a multi-line error message into one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
