package store

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Connection defaults. They are short on purpose: the bot answers Slack
// within a few seconds and fails closed, so a dead Redis must show up as an
// error in about a second rather than hang a worker. Every client also has
// ContextTimeoutEnabled, so a caller's context deadline is honoured exactly.
const (
	// DefaultDialTimeout bounds establishing one connection.
	DefaultDialTimeout = 2 * time.Second
	// DefaultReadTimeout bounds waiting for one reply.
	DefaultReadTimeout = time.Second
	// DefaultWriteTimeout bounds sending one command.
	DefaultWriteTimeout = time.Second
	// DefaultDialerRetries is how many times one connection attempt is
	// redialled (100 ms apart) before the command fails or is retried.
	// go-redis's default of 5 multiplies with MaxRetries into seconds of
	// waiting on a dead server.
	DefaultDialerRetries = 2
)

// OpenOptions tunes the client Open builds. A zero field takes the package
// default; a value given in the URL's query (dial_timeout=3s, read_timeout,
// write_timeout, max_retries, and dialer_retries for Sentinel and Cluster)
// wins over both.
type OpenOptions struct {
	// DialTimeout bounds establishing a connection (default 2 s).
	DialTimeout time.Duration
	// ReadTimeout bounds waiting for a reply (default 1 s).
	ReadTimeout time.Duration
	// WriteTimeout bounds sending a command (default 1 s).
	WriteTimeout time.Duration
	// MaxRetries is how many times a failed command is retried: 0 keeps
	// go-redis's default for the topology (3 for one node or Sentinel; a
	// Cluster client follows redirects itself), -1 disables retries.
	MaxRetries int
	// DialerRetries is how many times a failed dial is attempted again
	// before giving up on that connection (default 2).
	DialerRetries int
	// AllowInsecureTLS accepts a rediss:// URL with skip_verify=true, which
	// trusts any certificate (anyone on the path can read and change what the
	// bot stores). Without it such a URL is refused (MDEBOT_REDIS_INSECURE).
	AllowInsecureTLS bool
}

// ErrInsecureTLS is the refusal of a URL with skip_verify=true when
// OpenOptions.AllowInsecureTLS is not set; it wraps ErrInvalidURL.
var ErrInsecureTLS = fmt.Errorf("%w: skip_verify=true turns off the check of the Redis server's TLS certificate", ErrInvalidURL)

// Open turns a REDIS_URL into a connected client and checks it with PING.
// The caller owns the client and closes it.
//
// Accepted forms (query parameters are go-redis's snake_case options, such as
// dial_timeout, read_timeout, max_retries, pool_size, protocol):
//
//	redis://[user:password@]host[:6379][/db][?opts]    one node
//	rediss://...                                        one node over TLS (skip_verify=true to skip checks)
//	redis://[user:password@]host1:6379,host2:6379[?opts]  Redis Cluster (db 0 only)
//	redis://host:6379?cluster=true                      Cluster seeded by one node (addr=host:port adds more)
//	redis+sentinel://[user:password@]s1:26379,s2:26379/mastername[/db][?opts]  Sentinel
//	rediss+sentinel://...                               Sentinel over TLS
//
// In the Sentinel form the userinfo authenticates to the Redis master and
// replicas; Sentinels that need their own credentials take the
// sentinel_username and sentinel_password query parameters. Host ports
// default to 6379, and to 26379 for Sentinels. Characters such as / ? # @ in
// a password must be percent-encoded.
//
// Errors wrap ErrInvalidURL for a URL that cannot be used and ErrUnavailable
// when the server cannot be reached; no error contains the URL's passwords.
func Open(ctx context.Context, redisURL string, opts OpenOptions) (redis.UniversalClient, error) {
	cfg, err := parseURL(redisURL)
	if err != nil {
		return nil, err
	}
	if cfg.insecure() && !opts.AllowInsecureTLS {
		return nil, ErrInsecureTLS
	}
	rdb := cfg.newClient(opts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, redact(wrap("connect", err), cfg.secrets)
	}
	return rdb, nil
}

// ValidateURL reports whether redisURL is a usable REDIS_URL, without
// connecting. Its error wraps ErrInvalidURL and never contains a password.
func ValidateURL(redisURL string) error {
	_, err := parseURL(redisURL)
	return err
}

// InsecureTLS reports whether redisURL is usable and turns off the check of
// the server's TLS certificate (skip_verify=true).
func InsecureTLS(redisURL string) bool {
	cfg, err := parseURL(redisURL)
	return err == nil && cfg.insecure()
}

// newClient builds the client for whichever topology the URL named, with
// this package's defaults filled in.
func (c *clientConfig) newClient(o OpenOptions) redis.UniversalClient {
	switch {
	case c.cluster != nil:
		x := c.cluster
		o.fill(&x.DialTimeout, &x.ReadTimeout, &x.WriteTimeout, &x.MaxRetries, &x.DialerRetries)
		x.ContextTimeoutEnabled = true
		return redis.NewClusterClient(x)
	case c.failover != nil:
		x := c.failover
		o.fill(&x.DialTimeout, &x.ReadTimeout, &x.WriteTimeout, &x.MaxRetries, &x.DialerRetries)
		x.ContextTimeoutEnabled = true
		return redis.NewFailoverClient(x)
	default:
		x := c.single
		o.fill(&x.DialTimeout, &x.ReadTimeout, &x.WriteTimeout, &x.MaxRetries, &x.DialerRetries)
		x.ContextTimeoutEnabled = true
		return redis.NewClient(x)
	}
}

// fill sets each option the URL left unset from o, then from the defaults.
func (o OpenOptions) fill(dial, read, write *time.Duration, retries, dialRetries *int) {
	*dial = cmp.Or(*dial, o.DialTimeout, DefaultDialTimeout)
	*read = cmp.Or(*read, o.ReadTimeout, DefaultReadTimeout)
	*write = cmp.Or(*write, o.WriteTimeout, DefaultWriteTimeout)
	*retries = cmp.Or(*retries, o.MaxRetries)
	*dialRetries = cmp.Or(*dialRetries, o.DialerRetries, DefaultDialerRetries)
}

// invalid builds an ErrInvalidURL error; detail must hold no secret.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidURL, fmt.Sprintf(format, args...))
}
