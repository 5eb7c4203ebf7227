package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/mdebot/mdebot/defender"
)

// permissionsOf reads what the app's Defender and Graph tokens grant, feature by feature.
func permissionsOf(cfg *Config, cred azcore.TokenCredential) func(ctx context.Context) (defender.Permissions, error) {
	graphScope := ""
	if cfg.HuntOnGraph() {
		graphScope = cfg.GraphScope()
	}
	features := defender.Features(cfg.HuntOnGraph())
	return func(ctx context.Context) (defender.Permissions, error) {
		return defender.PermissionsOf(ctx, cred, cfg.Scope(), graphScope, features)
	}
}

// printPermissions is the preflight of `mdebot check`: every feature with the permission it
// needs, present or missing, and the verbs that stay off without it. It returns how many are
// missing.
func printPermissions(out io.Writer, p defender.Permissions) int {
	fmt.Fprintln(out, "\nPermissions (from the roles claim of the app's tokens):")
	for _, f := range p.Features {
		mark := "ok  "
		if !f.Present() {
			mark = "MISS"
		}
		fmt.Fprintf(out, "%s  %-22s %s\n", mark, f.Name, f.Line())
	}
	missing := p.Missing()
	if len(missing) > 0 {
		var off []string
		for _, f := range missing {
			off = append(off, strings.Join(f.Verbs, ", "))
		}
		fmt.Fprintf(out, "Grant the missing application permissions (with admin consent) or these stay off: %s\n", strings.Join(off, "; "))
	}
	return len(missing)
}

// logPermissions logs the same summary when the bot starts: one warning per missing
// permission, or one line saying every feature is on.
func logPermissions(ctx context.Context, log *slog.Logger, perms func(ctx context.Context) (defender.Permissions, error)) {
	p, err := perms(ctx)
	if err != nil {
		log.Warn("could not read the app's permissions from its tokens", "err", err)
		return
	}
	for _, f := range p.Missing() {
		log.Warn("permission missing: verbs off", "feature", f.Name, "api", f.API, "permission", f.AnyOf[0], "verbs", strings.Join(f.Verbs, ", "))
	}
	if len(p.Missing()) == 0 {
		log.Info("every permission the bot uses is granted", "features", len(p.Features))
	}
}
