package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
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
	fmt.Fprintln(out, "Configuration (secrets hidden):")
	fmt.Fprintln(out, cfg.Redacted())
	fmt.Fprintln(out)
	failed := 0
	step := func(name string, f func(ctx context.Context) (string, error)) {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		detail, err := f(ctx)
		if err != nil {
			failed++
			fmt.Fprintf(out, "FAIL  %-16s %s\n", name, err)
			return
		}
		fmt.Fprintf(out, "ok    %-16s %s\n", name, detail)
	}
	cred, err := newCredential(cfg, sm.transport)
	if err != nil {
		return err
	}
	step("Entra token", func(ctx context.Context) (string, error) {
		tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{cfg.Scope()}})
		if err != nil {
			return "", fmt.Errorf("no token for %s with the %s credential: %w", cfg.Scope(), cfg.CredentialKind(), err)
		}
		return fmt.Sprintf("%s credential, token valid until %s", cfg.CredentialKind(), tok.ExpiresOn.UTC().Format(time.RFC3339)), nil
	})
	mdeOpts := []defender.Option{defender.WithBaseURL(cfg.DefenderURL()), defender.WithScope(cfg.Scope())}
	if sm.transport != nil {
		mdeOpts = append(mdeOpts, defender.WithTransport(sm.transport))
	}
	mde, err := defender.New(cred, mdeOpts...)
	if err != nil {
		return err
	}
	step("Defender API", func(ctx context.Context) (string, error) {
		ms, err := mde.ListMachines(ctx, defender.ListOptions{Limit: 1})
		if err != nil {
			return "", fmt.Errorf("%s", commands.ErrorMessage(err, "check"))
		}
		return fmt.Sprintf("%s answered (%d device listed)", cfg.DefenderURL(), len(ms)), nil
	})
	missing := -1
	step("Permissions", func(ctx context.Context) (string, error) {
		p, err := permissionsOf(cfg, cred)(ctx)
		if err != nil {
			return "", fmt.Errorf("%s", commands.ErrorMessage(err, "check"))
		}
		if missing = printPermissions(out, p); missing > 0 {
			return "", fmt.Errorf("%d feature(s) lack their permission (listed above)", missing)
		}
		return fmt.Sprintf("all %d features have their permission", len(p.Features)), nil
	})
	step("Redis", func(ctx context.Context) (string, error) {
		if cfg.RedisURL == "" {
			return "REDIS_URL unset: the embedded store will be used (single replica, not durable)", nil
		}
		rdb, err := store.Open(ctx, cfg.RedisURL, store.OpenOptions{})
		if err != nil {
			return "", err
		}
		defer rdb.Close()
		return "reachable", nil
	})
	step("Slack", func(ctx context.Context) (string, error) {
		api := slack.New(cfg.SlackBotToken, slack.OptionAPIURL(cfg.SlackAPIURL),
			slack.OptionLog(slog.NewLogLogger(slog.DiscardHandler, slog.LevelDebug)))
		res, err := api.AuthTestContext(ctx)
		if err != nil {
			return "", fmt.Errorf("auth.test with SLACK_BOT_TOKEN: %w", err)
		}
		return fmt.Sprintf("bot %s in team %s", res.UserID, res.Team), nil
	})
	if failed > 0 {
		return fmt.Errorf("%d check(s) failed", failed)
	}
	return nil
}
