package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/mdebot/mdebot/bot/alerts"
	"github.com/mdebot/mdebot/bot/socket"
	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/sethvargo/go-envconfig"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"golang.org/x/sync/errgroup"
)

// app is the wired bot: every long-lived part, built in dependency order by newApp and torn down
// in reverse by close.
type app struct {
	cfg     *Config
	log     *slog.Logger
	cred    azcore.TokenCredential
	mde     *defender.Client
	graph   *defender.Client // hunting on Microsoft Graph; nil with MDEBOT_HUNT_API=mde
	rdb     redis.UniversalClient
	store   *store.Store
	slack   *slack.Client
	socket  *socketmode.Client
	health  *socket.Health
	bot     *socket.Bot
	http    *http.Server
	httpLn  net.Listener
	cleanup []func()
	appr    approvalWiring
	alerts  *alerts.Poller
	chans   *channelWatch
	// metrics is the registry /metrics serves; cmdMetrics the commands' share of it.
	metrics    *prometheus.Registry
	cmdMetrics *commands.Metrics
	// sharedRedis: replicas may share rdb (REDIS_URL or a test's Redis), not the embedded store.
	sharedRedis bool
}

// newLogger builds the process logger from the configuration.
func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// seams are what the demo and the tests change in the production wiring; the zero value is
// production.
type seams struct {
	// transport replaces the HTTP transport towards Entra and MDE (a fake's CA).
	transport policy.Transporter
	// limits replaces MDE's documented rate limits (load tests against a fake).
	limits defender.Limits
	// slackTimeout replaces the timeout of one Slack Web API call.
	slackTimeout time.Duration
	// approvals are the approval workflow's seams: its clock, its sweeper, a shared Redis.
	approvals approvalSeams
	// socket replaces the runtime's options (a load test lifts the per-user limits).
	socket socket.Options
}

// newApp builds everything.
func newApp(ctx context.Context, cfg *Config, log *slog.Logger, sm seams) (_ *app, err error) {
	a := &app{cfg: cfg, log: log, health: socket.NewHealth(nil), appr: approvalWiring{approvalSeams: sm.approvals}, metrics: newRegistry()}
	a.cmdMetrics = commands.NewMetrics(a.metrics)
	apiMetrics := defender.NewMetrics(a.metrics)
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	if a.cred, err = newCredential(cfg, sm.transport); err != nil {
		return nil, err
	}
	// Redis first: the MDE and Graph budgets live there (wire_budgets.go).
	if err = a.openRedis(ctx); err != nil {
		return nil, err
	}
	store.InstrumentRedis(a.rdb, a.metrics)
	mdeOpts := []defender.Option{defender.WithBaseURL(cfg.DefenderURL()), defender.WithScope(cfg.Scope()), defender.WithMetrics(apiMetrics),
		defender.WithLimiter(a.limiter("mde", sm.limits))}
	if sm.transport != nil {
		mdeOpts = append(mdeOpts, defender.WithTransport(sm.transport))
	}
	if a.mde, err = defender.New(a.cred, mdeOpts...); err != nil {
		return nil, err
	}
	if a.graph, err = newGraphClient(cfg, a.cred, sm, apiMetrics, a.limiter("graph", sm.limits)); err != nil {
		return nil, err
	}
	a.slack = slack.New(cfg.SlackBotToken,
		slack.OptionAPIURL(cfg.SlackAPIURL),
		slack.OptionAppLevelToken(cfg.SlackAppToken),
		slack.OptionLog(slog.NewLogLogger(log.With("component", "slack-go").Handler(), slog.LevelDebug)),
		// A Web API call that never answers must not hold a worker forever (slack-go's default
		// client has no timeout). The retry option goes after the client, which it wraps.
		slack.OptionHTTPClient(&http.Client{Timeout: cmp.Or(sm.slackTimeout, slackCallTimeout),
			Transport: newSlackTransport(a.metrics, http.DefaultTransport)}),
		slack.OptionRetry(3),
	)
	a.socket = socketmode.New(a.slack)
	a.chans = &channelWatch{api: a.slack, chans: configuredChannels(cfg), log: log, now: time.Now}
	authz := commands.NewAuthorizer(commands.Policy{Viewers: cfg.Viewers, Responders: cfg.Responders, Approvers: cfg.Approvers},
		socket.GroupLister{API: a.slack}, 0, nil).WithAccounts(&socket.AccountReader{API: a.slack})
	if err = a.newApprovals(authz); err != nil {
		return nil, err
	}
	a.newAlerts()
	reg, err := commands.Build(a.alertDeps(a.approvalDeps(commands.Deps{MDE: a.mde, Hunt: a.graph, Permissions: permissionsOf(cfg, a.cred), PortalURL: cfg.Cloud.PortalURL, Probes: a.probes(), Version: versionString(),
		Lanes: func() []commands.LaneStat { return a.bot.LaneStats() }})))
	if err != nil {
		return nil, err
	}
	router := commands.NewRouter(reg, authz, log, nil, commands.WithMetrics(a.cmdMetrics))
	sockOpts := socketOptions(sm.socket, cfg)
	sockOpts.Registerer = a.metrics
	a.bot = socket.New(log, a.socket.Events, a.socket, a.slack, router, a.health, sockOpts)
	a.wireApprovalCards()
	a.wireAlertButtons(authz)
	if a.httpLn, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
		return nil, fmt.Errorf("listen on MDEBOT_HTTP_ADDR: %w", err)
	}
	a.cleanup = append(a.cleanup, func() { _ = a.httpLn.Close() })
	a.http = &http.Server{
		Handler: socket.HealthHandler(a.health, map[string]func(context.Context) error{
			"redis":          a.store.Ping,
			"workers":        a.workersMoving,
			"slack_channels": func(ctx context.Context) error { return a.chans.problem(ctx, false) },
		}, metricsHandler(a.metrics)),
		ReadHeaderTimeout: 5 * time.Second,
	}
	return a, nil
}

// slackCallTimeout bounds one Slack Web API call.
const slackCallTimeout = 15 * time.Second

// workersMoving fails readiness when every worker has been stuck for minutes with requests
// waiting: the replica is connected but answers nobody.
func (a *app) workersMoving(context.Context) error {
	if a.bot.Stalled(2 * time.Minute) {
		return errors.New("every worker has been busy for minutes with requests waiting")
	}
	return nil
}

// openRedis connects to REDIS_URL, or starts the embedded store when it is unset.
func (a *app) openRedis(ctx context.Context) error {
	if rdb := a.appr.redis; rdb != nil { // a test's shared Redis, which the test closes
		a.rdb, a.store, a.sharedRedis = rdb, store.New(rdb, a.cfg.RedisPrefix, a.appr.storeOptions()...), true
		return nil
	}
	if a.cfg.RedisURL == "" {
		emb, err := store.StartEmbedded()
		if err != nil {
			return fmt.Errorf("start the embedded store: %w", err)
		}
		a.cleanup = append(a.cleanup, func() { _ = emb.Close() })
		a.rdb = emb.Client()
		a.log.Warn("REDIS_URL is unset: using the embedded in-process store, which is single-replica and not durable")
	} else {
		rdb, err := store.Open(ctx, a.cfg.RedisURL, store.OpenOptions{AllowInsecureTLS: a.cfg.RedisInsecure})
		if err != nil {
			return fmt.Errorf("connect to REDIS_URL: %w", err)
		}
		a.cleanup = append(a.cleanup, func() { _ = rdb.Close() })
		a.rdb, a.sharedRedis = rdb, true
	}
	a.store = store.New(a.rdb, a.cfg.RedisPrefix, a.appr.storeOptions()...)
	return nil
}

// probes are the checks of the status command.
func (a *app) probes() []commands.Probe {
	return []commands.Probe{
		{Name: "Slack", Check: func(context.Context) (string, error) {
			up, hello, down := a.health.SlackState()
			if up {
				return "connected since " + hello.UTC().Format(time.RFC3339), nil
			}
			return "", fmt.Errorf("disconnected since %s", down.UTC().Format(time.RFC3339))
		}},
		{Name: "Slack channels", Check: a.chans.probe},
		{Name: "Defender token", Check: func(ctx context.Context) (string, error) {
			tok, err := a.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{a.cfg.Scope()}})
			if err != nil {
				return "", errors.New("no token from Entra (see the bot's log)")
			}
			return "valid until " + tok.ExpiresOn.UTC().Format(time.RFC3339), nil
		}},
		{Name: "Defender API", Check: func(ctx context.Context) (string, error) {
			if _, err := a.mde.ListMachines(ctx, defender.ListOptions{Limit: 1}); err != nil {
				return "", errors.New(commands.ErrorMessage(err, "status"))
			}
			return "reachable at " + a.mde.BaseURL(), nil
		}},
		{Name: "Redis", Check: func(ctx context.Context) (string, error) {
			if err := a.store.Ping(ctx); err != nil {
				return "", errors.New("unreachable")
			}
			if a.cfg.RedisURL == "" {
				return "embedded (single replica, not durable)", nil
			}
			return "reachable", nil
		}},
	}
}

// serve runs the socket, the bot and the health server until ctx ends or one of them fails.
func (a *app) serve(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		err := a.socket.RunContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("slack socket mode: %w", socket.ExplainConnError(err))
	})
	g.Go(func() error { return a.bot.Run(ctx) })
	g.Go(func() error { a.chans.run(ctx); return nil })
	a.serveApprovals(ctx, g)
	a.serveAlerts(ctx, g)
	g.Go(func() error {
		if err := a.http.Serve(a.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("health server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return a.http.Shutdown(sctx)
	})
	return g.Wait()
}

func (a *app) close() {
	for i := len(a.cleanup) - 1; i >= 0; i-- {
		a.cleanup[i]()
	}
	a.cleanup = nil
}

// runBot is `mdebot run`.
func runBot(ctx context.Context, lookup envconfig.Lookuper, stderr io.Writer, sm seams) error {
	cfg, err := LoadConfig(ctx, lookup)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if sm.transport == nil {
		// go-redis logs through one package-level logger. Only a production `mdebot run` sets
		// it: the demo and the tests (which set a transport) run several bots in one process.
		redis.SetLogger(redisLogger{log.With("component", "redis")})
	}
	a, err := newApp(ctx, cfg, log, sm)
	if err != nil {
		return err
	}
	defer a.close()
	log.Info("mdebot starting", "version", versionString(), "config", cfg, "http", a.httpLn.Addr().String())
	// The permission summary of `mdebot check`, in the log; it never holds up the start.
	go func() {
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		logPermissions(pctx, log.With("component", "permissions"), permissionsOf(cfg, a.cred))
	}()
	err = a.serve(ctx)
	log.Info("mdebot stopped")
	return err
}
