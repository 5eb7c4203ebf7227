package store

import (
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// clientConfig is a parsed REDIS_URL: exactly one of the option structs is
// set, and secrets lists the passwords to keep out of error messages.
type clientConfig struct {
	single   *redis.Options
	cluster  *redis.ClusterOptions
	failover *redis.FailoverOptions
	secrets  []string
}

// parseURL turns a REDIS_URL into go-redis options (see Open for the forms).
// Parsing of query options is left to go-redis's ParseURL, ParseClusterURL
// and ParseFailoverURL; this function handles host lists and the Sentinel
// form, and makes sure no error text carries a password.
func parseURL(raw string) (*clientConfig, error) {
	if raw == "" {
		return nil, invalid("empty")
	}
	scheme, userinfo, hosts, rest, err := splitURL(raw)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(scheme + "://" + userinfo + hosts[0] + rest)
	if err != nil {
		// url.Error quotes the whole URL, and its cause quotes the part it
		// choked on, which can be a password even without an "@" (in
		// redis://:secret the password reads as a port): give neither.
		return nil, invalid("malformed (check the host, the port, and that a password is percent-encoded and followed by @host)")
	}
	cfg := &clientConfig{secrets: secretsOf(u)}
	switch strings.ToLower(scheme) {
	case "redis", "rediss":
		err = cfg.parseNode(u, hosts)
	case "redis+sentinel", "rediss+sentinel":
		err = cfg.parseSentinel(u, hosts)
	default:
		err = invalid("unsupported scheme (want redis, rediss, redis+sentinel or rediss+sentinel)")
	}
	if err != nil {
		if errors.Is(err, ErrInvalidURL) {
			return nil, err
		}
		return nil, invalid("%s", scrub(err.Error(), cfg.secrets))
	}
	return cfg, nil
}

// insecure reports whether the URL turns off the check of the server's TLS certificate
// (skip_verify=true).
func (c *clientConfig) insecure() bool {
	var tc []*tls.Config
	switch {
	case c.single != nil:
		tc = append(tc, c.single.TLSConfig)
	case c.cluster != nil:
		tc = append(tc, c.cluster.TLSConfig)
	case c.failover != nil:
		tc = append(tc, c.failover.TLSConfig)
	}
	for _, t := range tc {
		if t != nil && t.InsecureSkipVerify {
			return true
		}
	}
	return false
}

// splitURL cuts raw into scheme, userinfo (with its "@"), the comma-separated
// hosts and the rest (path, query, fragment). net/url cannot parse a host
// list, so the authority is split here.
func splitURL(raw string) (scheme, userinfo string, hosts []string, rest string, err error) {
	scheme, after, ok := strings.Cut(raw, "://")
	if !ok || scheme == "" {
		return "", "", nil, "", invalid("missing scheme (want redis://, rediss://, redis+sentinel:// or rediss+sentinel://)")
	}
	end := strings.IndexAny(after, "/?#")
	if end < 0 {
		end = len(after)
	}
	authority, rest := after[:end], after[end:]
	if strings.Contains(rest, "@") {
		// Almost always a password with an unencoded / ? or #: never echo it.
		return "", "", nil, "", invalid("'@' after the host: percent-encode / ? # @ in the password")
	}
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, authority = authority[:i+1], authority[i+1:]
	}
	hosts = strings.Split(authority, ",")
	for _, h := range hosts {
		if h == "" {
			return "", "", nil, "", invalid("empty host")
		}
	}
	return scheme, userinfo, hosts, rest, nil
}

// secretsOf lists the passwords in u, raw and in their encoded forms.
func secretsOf(u *url.URL) []string {
	var pws []string
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			pws = append(pws, p)
		}
	}
	q := u.Query()
	pws = append(pws, q["password"]...)
	pws = append(pws, q["sentinel_password"]...)
	var out []string
	for _, p := range pws {
		if p != "" {
			out = append(out, p, url.QueryEscape(p), url.PathEscape(p), strconv.Quote(p))
		}
	}
	return out
}

// parseNode handles redis:// and rediss://: one node, or Cluster when the URL
// has several hosts, addr= parameters or cluster=true.
func (c *clientConfig) parseNode(u *url.URL, hosts []string) error {
	q := u.Query()
	cluster := len(hosts) > 1 || q.Has("addr")
	if q.Has("cluster") {
		on, err := strconv.ParseBool(q.Get("cluster"))
		if err != nil {
			return invalid("cluster must be true or false")
		}
		if !on && cluster {
			return invalid("several hosts need cluster mode (or redis+sentinel:// for Sentinel)")
		}
		cluster = on
		q.Del("cluster")
	}
	if !cluster {
		u.RawQuery = q.Encode()
		o, err := redis.ParseURL(u.String())
		c.single = o
		return err
	}
	if db := strings.Trim(u.Path, "/"); db != "" && db != "0" {
		return invalid("Redis Cluster has only database 0")
	}
	for i, h := range hosts[1:] {
		hp, err := hostPort(h, "6379", i+2, len(hosts))
		if err != nil {
			return err
		}
		q.Add("addr", hp)
	}
	cu := url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, RawQuery: q.Encode()}
	o, err := redis.ParseClusterURL(cu.String())
	if err != nil {
		return err
	}
	if o.TLSConfig != nil {
		o.TLSConfig.MinVersion = tls.VersionTLS12
	}
	c.cluster = o
	return nil
}

// parseSentinel handles redis+sentinel:// and rediss+sentinel:// by
// rewriting them into the form go-redis's ParseFailoverURL reads (first
// Sentinel as host, the others as addr=, master_name=, data-node credentials
// as username=/password=, Sentinel credentials as userinfo).
func (c *clientConfig) parseSentinel(u *url.URL, hosts []string) error {
	q := u.Query()
	for _, k := range []string{"addr", "master_name", "username", "password"} {
		if q.Has(k) {
			return invalid("option %s is not allowed in a Sentinel URL (hosts, master name and credentials go in the authority and path)", k)
		}
	}
	parts := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	if len(parts) < 1 || len(parts) > 2 {
		return invalid("a Sentinel URL needs the path /mastername or /mastername/db")
	}
	q.Set("master_name", parts[0])
	db := "0"
	if len(parts) == 2 {
		db = parts[1]
	}
	if u.User != nil {
		q.Set("username", u.User.Username())
		if p, ok := u.User.Password(); ok {
			q.Set("password", p)
		}
	}
	sentUser, sentPass := q.Get("sentinel_username"), q.Get("sentinel_password")
	q.Del("sentinel_username")
	q.Del("sentinel_password")
	first, err := hostPort(hosts[0], "26379", 1, len(hosts))
	if err != nil {
		return err
	}
	for i, h := range hosts[1:] {
		hp, err := hostPort(h, "26379", i+2, len(hosts))
		if err != nil {
			return err
		}
		q.Add("addr", hp)
	}
	fu := url.URL{
		Scheme:   strings.TrimSuffix(strings.ToLower(u.Scheme), "+sentinel"),
		Host:     first,
		Path:     "/" + db,
		RawQuery: q.Encode(),
	}
	if sentUser != "" || sentPass != "" {
		fu.User = url.UserPassword(sentUser, sentPass)
	}
	o, err := redis.ParseFailoverURL(fu.String())
	c.failover = o
	return err
}

// hostPort returns h, host pos of n in the URL, as host:port, adding def when
// h has no port. Errors name the host by its position: a misplaced password
// can sit where a host should be.
func hostPort(h, def string, pos, n int) (string, error) {
	if host, port, err := net.SplitHostPort(h); err == nil {
		if p, err := strconv.Atoi(port); host == "" || err != nil || p < 1 || p > 65535 {
			return "", invalid("host %d of %d needs a name and a port from 1 to 65535", pos, n)
		}
		return h, nil
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if h == "" || strings.ContainsAny(h, "[]") {
		return "", invalid("host %d of %d is malformed", pos, n)
	}
	return net.JoinHostPort(h, def), nil
}
