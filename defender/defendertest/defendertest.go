// Package defendertest wires the real MDE client to the in-process fake: the fake Entra issues the
// token to a real azidentity ClientSecretCredential over HTTPS, and the client calls the fake MDE
// with it. Tests of every package that talks to MDE use it, and so does `mdebot demo`.
package defendertest

import (
	"fmt"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// The application the fake Entra knows.
const (
	TenantID = "00000000-0000-4000-8000-00000000a001"
	ClientID = "00000000-0000-4000-8000-00000000c001"
	Secret   = "fake-client-secret-value"
)

// AllRoles are every MDE application permission the bot uses.
var AllRoles = []string{
	"Alert.ReadWrite.All", "Machine.ReadWrite.All", "Machine.Isolate", "Machine.Scan",
	"Machine.RestrictExecution", "Machine.CollectForensics", "Machine.StopAndQuarantine",
	"Ti.ReadWrite.All", "AdvancedQuery.Read.All", "File.Read.All", "Ip.Read.All", "URL.Read.All",
	"User.Read.All",
}

// AllGraphRoles are the Microsoft Graph application permissions the bot uses.
var AllGraphRoles = []string{"ThreatHunting.Read.All"}

// Env is a running fake with clients for it.
type Env struct {
	Fake   *mdefake.Fake
	Client *defender.Client
	// Graph is a Microsoft Graph client (hunting) on the same credential.
	Graph *defender.Client
	Cred  azcore.TokenCredential
}

// Options tune Start.
type Options struct {
	// Roles granted to the app; AllRoles when nil.
	Roles []string
	// GraphRoles granted to the app on Microsoft Graph; AllGraphRoles when nil.
	GraphRoles []string
	// Limits for the client's rate limiter; unlimited when nil.
	Limits defender.Limits
	// Fake options.
	Fake mdefake.Options
	// Seed fills the fake with the demo tenant.
	Seed bool
	// Retry options for the client; fast retries when nil.
	Retry *policy.RetryOptions
}

// Start runs a fake and builds a client for it. Close the fake when done.
func Start(opts Options) (*Env, error) {
	f, err := mdefake.Start(opts.Fake)
	if err != nil {
		return nil, err
	}
	roles := opts.Roles
	if roles == nil {
		roles = AllRoles
	}
	graphRoles := opts.GraphRoles
	if graphRoles == nil {
		graphRoles = AllGraphRoles
	}
	f.AddApp(mdefake.App{TenantID: TenantID, ClientID: ClientID, Secret: Secret, Roles: roles, GraphRoles: graphRoles})
	if opts.Seed {
		f.Seed()
	}
	cred, err := azidentity.NewClientSecretCredential(TenantID, ClientID, Secret, &azidentity.ClientSecretCredentialOptions{
		DisableInstanceDiscovery: true,
		ClientOptions: azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: f.AuthorityURL()},
			Transport: f.HTTPClient(),
			Retry:     policy.RetryOptions{MaxRetries: -1},
		},
	})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("defendertest: credential: %w", err)
	}
	limits := opts.Limits
	if limits == nil {
		limits = defender.Unlimited()
	}
	retry := policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond, MaxRetryDelay: 100 * time.Millisecond, TryTimeout: 30 * time.Second}
	if opts.Retry != nil {
		retry = *opts.Retry
	}
	c, err := defender.New(cred,
		defender.WithBaseURL(f.MDEURL()),
		defender.WithScope(f.Scope()),
		defender.WithTransport(f.HTTPClient()),
		defender.WithLimiter(defender.NewLimiter(limits)),
		defender.WithRetry(retry),
	)
	if err != nil {
		f.Close()
		return nil, err
	}
	g, err := defender.NewGraph(cred,
		defender.WithBaseURL(f.GraphURL()),
		defender.WithTransport(f.HTTPClient()),
		defender.WithLimiter(defender.NewLimiter(limits)),
		defender.WithRetry(retry),
	)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Env{Fake: f, Client: c, Graph: g, Cred: cred}, nil
}

// New is Start for a test; the fake closes when the test ends.
func New(t testing.TB, opts Options) *Env {
	t.Helper()
	env, err := Start(opts)
	if err != nil {
		t.Fatalf("defendertest: %v", err)
	}
	t.Cleanup(env.Fake.Close)
	return env
}
