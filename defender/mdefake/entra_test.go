package mdefake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

// postToken sends a form to the token endpoint of tenant and returns status and decoded body.
func postToken(t *testing.T, f *Fake, tenant string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.AuthorityURL()+tenant+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := f.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if strings.Contains(string(b), testSecret) {
		t.Fatalf("token endpoint echoed the secret: %s", b)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return resp.StatusCode, out
}

func secretForm(secret, scope string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {secret}, "scope": {scope}}
}

func TestTokenFormPost(t *testing.T) {
	t.Parallel()
	f, _ := setup(t, Options{}, "Machine.Read.All")
	status, body := postToken(t, f, testTenant, secretForm(testSecret, DefaultAudience+"/.default openid offline_access profile"))
	if status != http.StatusOK {
		t.Fatalf("status %d: %v", status, body)
	}
	if body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) || body["ext_expires_in"] != float64(3600) {
		t.Fatalf("reply %v", body)
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(body["access_token"].(string), claims); err != nil {
		t.Fatal(err)
	}
	got := map[string]any{"aud": claims["aud"], "tid": claims["tid"], "appid": claims["appid"], "azp": claims["azp"], "roles": claims["roles"]}
	want := map[string]any{"aud": DefaultAudience, "tid": testTenant, "appid": testClient, "azp": testClient, "roles": []any{"Machine.Read.All"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	if exp, _ := claims.GetExpirationTime(); time.Until(exp.Time) < 59*time.Minute {
		t.Errorf("exp %v is not an hour away", exp)
	}
	if f.TokenRequests() != 1 {
		t.Errorf("TokenRequests = %d, want 1", f.TokenRequests())
	}
	for _, r := range f.Requests() {
		if strings.Contains(string(r.Body), testSecret) {
			t.Errorf("recorded request keeps the secret: %s", r.Body)
		}
	}
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	f, _ := setup(t, Options{})
	scope := DefaultAudience + "/.default"
	tests := []struct {
		name, tenant string
		form         url.Values
		status       int
		code, aadsts string
	}{
		{"wrong secret", testTenant, secretForm("nope", scope), 401, "invalid_client", "AADSTS7000215"},
		{"no credential", testTenant, url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "scope": {scope}}, 401, "invalid_client", "AADSTS7000218"},
		{"unknown client", testTenant, url.Values{"grant_type": {"client_credentials"}, "client_id": {"other"}, "client_secret": {"x"}, "scope": {scope}}, 400, "unauthorized_client", "AADSTS700016"},
		{"unknown tenant", "other-tenant", secretForm(testSecret, scope), 400, "invalid_request", "AADSTS90002"},
		{"wrong resource", testTenant, secretForm(testSecret, "https://management.azure.com/.default"), 400, "invalid_scope", "AADSTS500011"},
		{"no .default", testTenant, secretForm(testSecret, DefaultAudience+"/Machine.Read.All"), 400, "invalid_scope", "AADSTS1002012"},
		{"missing scope", testTenant, secretForm(testSecret, "openid profile"), 400, "invalid_scope", "AADSTS90014"},
		{"wrong grant", testTenant, url.Values{"grant_type": {"password"}, "client_id": {testClient}}, 400, "unsupported_grant_type", "AADSTS70003"},
		{"assertion type", testTenant, url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_assertion": {"x.y.z"}, "scope": {scope}}, 401, "invalid_client", "AADSTS7000219"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := postToken(t, f, tt.tenant, tt.form)
			desc, _ := body["error_description"].(string)
			if status != tt.status || body["error"] != tt.code || !strings.HasPrefix(desc, tt.aadsts+":") {
				t.Errorf("got %d %v %q, want %d %s %s", status, body["error"], desc, tt.status, tt.code, tt.aadsts)
			}
		})
	}
	if f.TokenRequests() != 0 {
		t.Errorf("TokenRequests = %d after failures only", f.TokenRequests())
	}
}

func TestOpenIDConfiguration(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	api.token = ""
	var cfg map[string]any
	api.decode(http.MethodGet, f.AuthorityURL()+testTenant+"/v2.0/.well-known/openid-configuration", "", 200, &cfg)
	base := strings.TrimSuffix(f.AuthorityURL(), "/") + "/" + testTenant
	for k, want := range map[string]string{"issuer": base + "/v2.0", "token_endpoint": base + "/oauth2/v2.0/token", "jwks_uri": base + "/discovery/v2.0/keys"} {
		if cfg[k] != want {
			t.Errorf("%s = %v, want %s", k, cfg[k], want)
		}
	}
	api.decode(http.MethodGet, f.AuthorityURL()+"nope/v2.0/.well-known/openid-configuration", "", 400, nil)
}

// clientOptions points an azidentity credential at the fake, without retries.
func clientOptions(f *Fake) azcore.ClientOptions {
	return azcore.ClientOptions{
		Transport: f.HTTPClient(),
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: f.AuthorityURL()},
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
}

// checkCredential gets a token twice (the second from azidentity's cache) and calls the API.
func checkCredential(t *testing.T, f *Fake, cred azcore.TokenCredential) {
	t.Helper()
	for range 2 {
		tok, err := cred.GetToken(t.Context(), policy.TokenRequestOptions{Scopes: []string{f.Scope()}})
		if err != nil {
			t.Fatalf("GetToken: %v", err)
		}
		api := &apiClient{t: t, f: f, token: tok.Token}
		api.decode(http.MethodGet, "/api/machineactions", "", 200, nil)
	}
	if f.TokenRequests() != 1 {
		t.Errorf("TokenRequests = %d, want 1 (cached)", f.TokenRequests())
	}
}

func TestAzidentityClientSecret(t *testing.T) {
	t.Parallel()
	f, _ := setup(t, Options{})
	cred, err := azidentity.NewClientSecretCredential(testTenant, testClient, testSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions(f), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	checkCredential(t, f, cred)

	bad, err := azidentity.NewClientSecretCredential(testTenant, testClient, "wrong",
		&azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions(f), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.GetToken(t.Context(), policy.TokenRequestOptions{Scopes: []string{f.Scope()}})
	var authErr *azidentity.AuthenticationFailedError
	if !errors.As(err, &authErr) || authErr.RawResponse.StatusCode != 401 {
		t.Fatalf("wrong secret: %v", err)
	}
}

// newCertPEM returns a self-signed RSA certificate with its key, PEM-encoded together.
func newCertPEM(t *testing.T) []byte {
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
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
}

func TestAzidentityClientCertificate(t *testing.T) {
	t.Parallel()
	f := New(t, Options{})
	certs, key, err := azidentity.ParseCertificates(newCertPEM(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.AddApp(App{TenantID: testTenant, ClientID: testClient, Certificate: certs[0], Roles: []string{"Machine.Read.All"}})
	opts := &azidentity.ClientCertificateCredentialOptions{ClientOptions: clientOptions(f), DisableInstanceDiscovery: true}
	cred, err := azidentity.NewClientCertificateCredential(testTenant, testClient, certs, key, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkCredential(t, f, cred)

	otherCerts, otherKey, err := azidentity.ParseCertificates(newCertPEM(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := azidentity.NewClientCertificateCredential(testTenant, testClient, otherCerts, otherKey, opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.GetToken(t.Context(), policy.TokenRequestOptions{Scopes: []string{f.Scope()}})
	var authErr *azidentity.AuthenticationFailedError
	if !errors.As(err, &authErr) || !strings.Contains(err.Error(), "AADSTS700027") {
		t.Fatalf("unregistered certificate: %v", err)
	}
}

func TestAzidentityWorkloadIdentity(t *testing.T) {
	t.Parallel()
	f := New(t, Options{})
	f.AddApp(App{TenantID: testTenant, ClientID: testClient, FederatedToken: "federated-jwt-from-kubernetes", Roles: []string{"Machine.Read.All"}})
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("federated-jwt-from-kubernetes"), 0o600); err != nil {
		t.Fatal(err)
	}
	cred, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
		ClientOptions: clientOptions(f), DisableInstanceDiscovery: true,
		TenantID: testTenant, ClientID: testClient, TokenFilePath: file,
	})
	if err != nil {
		t.Fatal(err)
	}
	checkCredential(t, f, cred)
}
