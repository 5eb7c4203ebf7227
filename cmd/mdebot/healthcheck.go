package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/sethvargo/go-envconfig"
)

// healthcheckTimeout bounds `mdebot healthcheck` from dial to status line: a probe that hangs is
// as bad as one that fails, and Docker's own --timeout is longer.
const healthcheckTimeout = 3 * time.Second

// healthPath is what `mdebot healthcheck` asks for. It is /healthz (the process answers), not
// /readyz (Slack connected and Redis reachable): Docker and Swarm act on an unhealthy container by
// restarting it, which cures a wedged process but not a Redis or Slack outage, and restarting
// every replica during such an outage only adds a reconnect storm. Readiness belongs to whatever
// routes work, such as the Kubernetes readiness probe on /readyz.
const healthPath = "/healthz"

// runHealthcheck is `mdebot healthcheck`: it asks the health listener of the bot running in the
// same container or host (MDEBOT_HTTP_ADDR's port) whether it is alive, and prints one line. It
// exists because the distroless image has no shell, curl or wget for a HEALTHCHECK.
func runHealthcheck(ctx context.Context, lookup envconfig.Lookuper, out io.Writer) error {
	var cfg Config // only MDEBOT_HTTP_ADDR matters; nothing else is checked here
	if err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: &cfg, Lookuper: presentLookuper{lookup}}); err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	url, err := healthURL(cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("unhealthy: %s did not answer within %s", url, healthcheckTimeout)
		}
		return fmt.Errorf("unhealthy: %s: %w", url, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s answered %s", url, resp.Status)
	}
	_, err = fmt.Fprintf(out, "healthy: %s answered %s\n", url, resp.Status)
	return err
}

// healthURL turns a listen address into the URL to probe: a wildcard or empty host (":8080",
// "0.0.0.0:8080", "[::]:8080") is reached on 127.0.0.1, which a wildcard listener also serves; a
// specific host is used as it is, since the listener answers only there.
func healthURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" || port == "0" {
		return "", fmt.Errorf("MDEBOT_HTTP_ADDR is not a host:port with a fixed port")
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + healthPath, nil
}
