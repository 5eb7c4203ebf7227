package defender_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/mdefake"
)

const (
	tenant = "00000000-0000-4000-8000-0000000000aa"
	client = "00000000-0000-4000-8000-0000000000cc"
	secret = "integration-secret"
)

func clientOptions(f *mdefake.Fake) azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: f.AuthorityURL()},
		Transport: f.HTTPClient(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
}

func newClient(t *testing.T, f *mdefake.Fake, cred azcore.TokenCredential) *defender.Client {
	t.Helper()
	c, err := defender.New(cred, defender.WithBaseURL(f.MDEURL()), defender.WithScope(f.Scope()),
		defender.WithTransport(f.HTTPClient()), defender.WithLimiter(defender.NewLimiter(defender.Unlimited())))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// selfSigned makes an RSA certificate and key, as an app registration would hold.
func selfSigned(t *testing.T) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "mdebot-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// The real azidentity credentials get their token from the fake Entra over HTTPS; then the
// client calls the fake MDE with it, and many calls cost one token request.
func TestRealCredentialsAgainstFakeEntra(t *testing.T) {
	t.Parallel()
	cert, key := selfSigned(t)
	cases := map[string]func(f *mdefake.Fake) (azcore.TokenCredential, error){
		"client secret": func(f *mdefake.Fake) (azcore.TokenCredential, error) {
			return azidentity.NewClientSecretCredential(tenant, client, secret,
				&azidentity.ClientSecretCredentialOptions{DisableInstanceDiscovery: true, ClientOptions: clientOptions(f)})
		},
		"client certificate": func(f *mdefake.Fake) (azcore.TokenCredential, error) {
			return azidentity.NewClientCertificateCredential(tenant, client, []*x509.Certificate{cert}, key,
				&azidentity.ClientCertificateCredentialOptions{DisableInstanceDiscovery: true, SendCertificateChain: true, ClientOptions: clientOptions(f)})
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := mdefake.New(t, mdefake.Options{})
			f.AddApp(mdefake.App{TenantID: tenant, ClientID: client, Secret: secret, Certificate: cert,
				Roles: []string{"Machine.Read.All", "Alert.Read.All", "Machine.Isolate"}})
			f.Seed()
			cred, err := mk(f)
			if err != nil {
				t.Fatal(err)
			}
			c := newClient(t, f, cred)
			ctx := t.Context()
			for range 25 {
				if _, err := c.ListMachines(ctx, defender.ListOptions{Limit: 3}); err != nil {
					t.Fatal(err)
				}
				if _, err := c.ListAlerts(ctx, defender.AlertListOptions{ListOptions: defender.ListOptions{Limit: 3}}); err != nil {
					t.Fatal(err)
				}
			}
			if n := f.TokenRequests(); n != 1 {
				t.Errorf("50 API calls made %d token requests, want 1", n)
			}
			for _, r := range f.Requests() {
				if strings.HasPrefix(r.Path, "/api/") && r.Header.Get("Authorization") == "" {
					t.Errorf("request without a token: %s %s", r.Method, r.Path)
				}
			}
		})
	}
}

func TestWrongSecretFailsWithoutCallingMDE(t *testing.T) {
	t.Parallel()
	f := mdefake.New(t, mdefake.Options{})
	f.AddApp(mdefake.App{TenantID: tenant, ClientID: client, Secret: secret, Roles: []string{"Machine.Read.All"}})
	cred, err := azidentity.NewClientSecretCredential(tenant, client, "not-the-secret",
		&azidentity.ClientSecretCredentialOptions{DisableInstanceDiscovery: true, ClientOptions: clientOptions(f)})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, f, cred)
	_, err = c.ListMachines(t.Context(), defender.ListOptions{})
	var authErr *azidentity.AuthenticationFailedError
	if !errors.As(err, &authErr) {
		t.Fatalf("err = %v (%T), want an authentication failure", err, err)
	}
	if n := f.RequestCount("/api/"); n != 0 {
		t.Errorf("%d MDE calls without a token", n)
	}
}

// A token without the endpoint's role is refused by MDE with 403.
func TestMissingRoleIsForbidden(t *testing.T) {
	t.Parallel()
	f := mdefake.New(t, mdefake.Options{})
	f.AddApp(mdefake.App{TenantID: tenant, ClientID: client, Secret: secret, Roles: []string{"Machine.Read.All"}})
	f.Seed()
	cred, _ := azidentity.NewClientSecretCredential(tenant, client, secret,
		&azidentity.ClientSecretCredentialOptions{DisableInstanceDiscovery: true, ClientOptions: clientOptions(f)})
	c := newClient(t, f, cred)
	ms, err := c.ListMachines(t.Context(), defender.ListOptions{})
	if err != nil || len(ms) == 0 {
		t.Fatalf("machines: %v", err)
	}
	_, err = c.Isolate(t.Context(), ms[0].ID, "test", defender.IsolationFull)
	if !errors.Is(err, defender.ErrForbidden) {
		t.Fatalf("isolate without Machine.Isolate: %v", err)
	}
}

// An action is followed from Pending to Succeeded on the fake's clock, and a second request
// while it is pending is answered with the existing action.
func TestActionLifecycleAgainstFake(t *testing.T) {
	t.Parallel()
	f := mdefake.New(t, mdefake.Options{})
	f.AddApp(mdefake.App{TenantID: tenant, ClientID: client, Secret: secret,
		Roles: []string{"Machine.Read.All", "Machine.Isolate"}})
	f.Seed()
	cred, _ := azidentity.NewClientSecretCredential(tenant, client, secret,
		&azidentity.ClientSecretCredentialOptions{DisableInstanceDiscovery: true, ClientOptions: clientOptions(f)})
	c := newClient(t, f, cred)
	ctx := t.Context()
	ms, err := c.MachinesByName(ctx, mdefake.DemoAlice)
	if err != nil || len(ms) != 1 {
		t.Fatalf("resolve: %v %d", err, len(ms))
	}
	first, err := c.Isolate(ctx, ms[0].ID, "req-1 by U1 approved by U2", defender.IsolationFull)
	if err != nil || first.AlreadyPending || first.Action.Status != defender.ActionPending {
		t.Fatalf("isolate: %+v %v", first, err)
	}
	again, err := c.Isolate(ctx, ms[0].ID, "req-2", defender.IsolationFull)
	if err != nil || !again.AlreadyPending || again.Action.ID != first.Action.ID {
		t.Fatalf("second isolate: %+v %v", again, err)
	}
	posts := 0
	for _, r := range f.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/isolate") {
			posts++
		}
	}
	if posts != 1 {
		t.Errorf("%d isolate POSTs, want 1", posts)
	}
	f.Advance(15 * time.Second)
	if a, _ := c.GetMachineAction(ctx, first.Action.ID); a.Status != defender.ActionInProgress {
		t.Errorf("after 15 s: %s", a.Status)
	}
	f.Advance(time.Minute)
	if a, _ := c.GetMachineAction(ctx, first.Action.ID); a.Status != defender.ActionSucceeded {
		t.Errorf("after 75 s: %s", a.Status)
	}
}
