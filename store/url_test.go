package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// topology is what a parsed URL says, in comparable form.
type topology struct {
	Kind      string // single, cluster, sentinel
	Addrs     []string
	DB        int
	Master    string
	User, Pw  string
	SentPw    string
	TLS       bool
	DialTimer time.Duration
}

func describe(c *clientConfig) topology {
	switch {
	case c.cluster != nil:
		o := c.cluster
		return topology{Kind: "cluster", Addrs: o.Addrs, User: o.Username, Pw: o.Password, TLS: o.TLSConfig != nil, DialTimer: o.DialTimeout}
	case c.failover != nil:
		o := c.failover
		return topology{Kind: "sentinel", Addrs: o.SentinelAddrs, DB: o.DB, Master: o.MasterName, User: o.Username, Pw: o.Password,
			SentPw: o.SentinelPassword, TLS: o.TLSConfig != nil, DialTimer: o.DialTimeout}
	default:
		o := c.single
		return topology{Kind: "single", Addrs: []string{o.Addr}, DB: o.DB, User: o.Username, Pw: o.Password, TLS: o.TLSConfig != nil, DialTimer: o.DialTimeout}
	}
}

func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url  string
		want topology
	}{
		{"redis://localhost:6379/2", topology{Kind: "single", Addrs: []string{"localhost:6379"}, DB: 2}},
		{"redis://cache", topology{Kind: "single", Addrs: []string{"cache:6379"}}},
		{"rediss://:p%40ss@cache.example:6380/0?dial_timeout=3s", topology{Kind: "single", Addrs: []string{"cache.example:6380"}, Pw: "p@ss", TLS: true, DialTimer: 3 * time.Second}},
		{"redis://[::1]:7000", topology{Kind: "single", Addrs: []string{"[::1]:7000"}}},
		{"redis://u:pw@a:7000,b:7001,c/0", topology{Kind: "cluster", Addrs: []string{"a:7000", "b:7001", "c:6379"}, User: "u", Pw: "pw"}},
		{"redis://a:7000?cluster=true", topology{Kind: "cluster", Addrs: []string{"a:7000"}}},
		{"rediss://a:7000?addr=b:7001", topology{Kind: "cluster", Addrs: []string{"a:7000", "b:7001"}, TLS: true}},
		{"redis://[::1],[::2]:7001", topology{Kind: "cluster", Addrs: []string{"[::1]:6379", "[::2]:7001"}}},
		{"redis+sentinel://user:pw@s1,s2:26380/mymaster/1?sentinel_password=spw&dial_timeout=1s",
			topology{Kind: "sentinel", Addrs: []string{"s1:26379", "s2:26380"}, DB: 1, Master: "mymaster", User: "user", Pw: "pw", SentPw: "spw", DialTimer: time.Second}},
		{"rediss+sentinel://s1/m", topology{Kind: "sentinel", Addrs: []string{"s1:26379"}, Master: "m", TLS: true}},
	} {
		t.Run(tc.url, func(t *testing.T) {
			t.Parallel()
			cfg, err := parseURL(tc.url)
			if err != nil {
				t.Fatalf("parseURL: %v", err)
			}
			if diff := cmp.Diff(tc.want, describe(cfg)); diff != "" {
				t.Errorf("parseURL mismatch (-want +got):\n%s", diff)
			}
			if err := ValidateURL(tc.url); err != nil {
				t.Errorf("ValidateURL: %v", err)
			}
		})
	}
}

func TestParseURLInvalid(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"",
		"localhost:6379",
		"unix:///tmp/redis.sock",
		"http://cache:6379",
		"redis://a,b?cluster=false",
		"redis://a,b/1",
		"redis://a?cluster=maybe",
		"redis://a,,b",
		"redis://a,b:99999",
		"redis://a,b:port",
		"redis://cache/1/2",
		"redis://cache?unknown_option=1",
		"redis://cache?dial_timeout=soon",
		"redis+sentinel://s1",
		"redis+sentinel://s1/m/0/x",
		"redis+sentinel://s1/m?addr=s2:26379",
		"redis+sentinel://s1/m?password=x",
	} {
		t.Run(raw, func(t *testing.T) {
			t.Parallel()
			if err := ValidateURL(raw); !errors.Is(err, ErrInvalidURL) {
				t.Errorf("ValidateURL(%q) = %v, want ErrInvalidURL", raw, err)
			}
		})
	}
}

// TestParseURLNeverLeaksPassword feeds broken URLs that carry a password in
// every place one can go, and checks no part of it reaches the error.
func TestParseURLNeverLeaksPassword(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"redis://u:Sup3rS3cret@host:6379/abc",
		"redis://u:Sup3rS3cret@host:6379/0?bogus=1",
		"redis://u:Sup3rS3cret@host:6379/0?dial_timeout=Sup3rS3cret",
		"redis://u:Sup3r/S3cret@host",
		"redis://u:Sup3r?S3cret@host",
		"redis://u:Sup3r#S3cret@host",
		"redis://u:12/Sup3rS3cret@host",
		"redis://u:Sup3r%zzS3cret@host",
		"redis://u:Sup3rS3cret@host:notaport",
		"redis://:Sup3rS3cret@a:1,b:2/3",
		"ftp://u:Sup3rS3cret@host",
		"Sup3rS3cret",
		"Sup3rS3cret://host",
		"redis+sentinel://u:Sup3rS3cret@s1,s2",
		"redis+sentinel://s1/m?sentinel_password=Sup3rS3cret&dial_timeout=Sup3rS3cret",
		"redis+sentinel://s1/m?sentinel_password=Sup3rS3cret&password=Sup3rS3cret",
		"redis+sentinel://:Sup3rS3cret@s1/m/Sup3rS3cret",
		"redis://:Sup3rS3cret",
		"redis://u:Sup3rS3cret",
		"redis://a,u:Sup3rS3cret",
		"redis+sentinel://s1,u:Sup3rS3cret/m",
		"redis+sentinel://u:Sup3rS3cret,s2/m",
	} {
		t.Run(raw, func(t *testing.T) {
			t.Parallel()
			err := ValidateURL(raw)
			if !errors.Is(err, ErrInvalidURL) {
				t.Fatalf("ValidateURL = %v, want ErrInvalidURL", err)
			}
			for _, part := range []string{"Sup3r", "S3cret"} {
				if strings.Contains(err.Error(), part) {
					t.Errorf("error %q contains %q from the password", err, part)
				}
			}
		})
	}
}

func TestNewClientDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url        string
		opts       OpenOptions
		dial, read time.Duration
		retries    int
	}{
		{"redis://cache", OpenOptions{}, DefaultDialTimeout, DefaultReadTimeout, 0},
		{"redis://cache", OpenOptions{DialTimeout: time.Second, ReadTimeout: 50 * time.Millisecond, MaxRetries: -1}, time.Second, 50 * time.Millisecond, -1},
		{"redis://cache?dial_timeout=7s&read_timeout=3s&max_retries=1", OpenOptions{DialTimeout: time.Second, MaxRetries: 5}, 7 * time.Second, 3 * time.Second, 1},
		{"redis://a,b", OpenOptions{}, DefaultDialTimeout, DefaultReadTimeout, 0},
		{"redis+sentinel://s1/m?read_timeout=2s", OpenOptions{MaxRetries: 2}, DefaultDialTimeout, 2 * time.Second, 2},
	} {
		t.Run(tc.url, func(t *testing.T) {
			t.Parallel()
			cfg, err := parseURL(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			rdb := cfg.newClient(tc.opts)
			t.Cleanup(func() { _ = rdb.Close() })
			type got struct {
				Dial, Read, Write time.Duration
				Retries           int
				DialRetries       int
				CtxTimeout        bool
			}
			var g got
			switch {
			case cfg.cluster != nil:
				o := cfg.cluster
				g = got{o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.MaxRetries, o.DialerRetries, o.ContextTimeoutEnabled}
			case cfg.failover != nil:
				o := cfg.failover
				g = got{o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.MaxRetries, o.DialerRetries, o.ContextTimeoutEnabled}
			default:
				o := cfg.single
				g = got{o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.MaxRetries, o.DialerRetries, o.ContextTimeoutEnabled}
			}
			if tc.retries == 0 { // go-redis's own default differs by topology
				g.Retries = 0
			}
			want := got{tc.dial, tc.read, DefaultWriteTimeout, tc.retries, DefaultDialerRetries, true}
			if diff := cmp.Diff(want, g); diff != "" {
				t.Errorf("client options (-want +got):\n%s", diff)
			}
		})
	}
}
