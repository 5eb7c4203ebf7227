package mdefake

import (
	"crypto/rsa"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/golang-jwt/jwt/v5"
)

// TestCertificateAssertion drives the private_key_jwt checks with hand-made assertions: RS256
// with x5t (what ADFS-style clients send) and PS256 with x5t#S256 (what MSAL sends).
func TestCertificateAssertion(t *testing.T) {
	t.Parallel()
	f := New(t, Options{})
	certs, key, err := azidentity.ParseCertificates(newCertPEM(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	cert, rsaKey := certs[0], key.(*rsa.PrivateKey)
	f.AddApp(App{TenantID: testTenant, ClientID: testClient, Certificate: cert, Roles: []string{"Alert.Read.All"}})
	endpoint := strings.TrimSuffix(f.AuthorityURL(), "/") + "/" + testTenant + "/oauth2/v2.0/token"
	x5t := base64.StdEncoding.EncodeToString(sha1Sum(cert.Raw))
	x5tS256 := base64.RawURLEncoding.EncodeToString(sha256Sum(cert.Raw))
	sign := func(method jwt.SigningMethod, header map[string]string, claims jwt.MapClaims) string {
		tok := jwt.NewWithClaims(method, claims)
		for k, v := range header {
			tok.Header[k] = v
		}
		var signKey any = rsaKey
		if method == jwt.SigningMethodHS256 {
			signKey = []byte("a shared secret is not a certificate")
		}
		s, err := tok.SignedString(signKey)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	claims := func(aud string, exp time.Time) jwt.MapClaims {
		return jwt.MapClaims{"aud": aud, "iss": testClient, "sub": testClient, "exp": exp.Unix(), "nbf": time.Now().Unix(), "jti": "1"}
	}
	soon := time.Now().Add(5 * time.Minute)
	tests := []struct {
		name, assertion string
		status          int
		aadsts          string
	}{
		{"RS256 x5t", sign(jwt.SigningMethodRS256, map[string]string{"x5t": x5t}, claims(endpoint, soon)), 200, ""},
		{"PS256 x5t#S256", sign(jwt.SigningMethodPS256, map[string]string{"x5t#S256": x5tS256}, claims(endpoint, soon)), 200, ""},
		{"expired", sign(jwt.SigningMethodRS256, map[string]string{"x5t": x5t}, claims(endpoint, time.Now().Add(-time.Hour))), 401, "AADSTS700024"},
		{"wrong audience", sign(jwt.SigningMethodRS256, map[string]string{"x5t": x5t}, claims("https://elsewhere/token", soon)), 401, "AADSTS700212"},
		{"no thumbprint", sign(jwt.SigningMethodRS256, nil, claims(endpoint, soon)), 401, "AADSTS700027"},
		{"HS256", sign(jwt.SigningMethodHS256, map[string]string{"x5t": x5t}, claims(endpoint, soon)), 401, "AADSTS700027"},
		{"not a JWT", "federated-looking-string", 401, "AADSTS50027"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "scope": {f.Scope()},
				"client_assertion": {tt.assertion}, "client_assertion_type": {assertionType}}
			status, body := postToken(t, f, testTenant, form)
			desc, _ := body["error_description"].(string)
			if status != tt.status || (tt.aadsts != "" && !strings.HasPrefix(desc, tt.aadsts+":")) {
				t.Errorf("got %d %q, want %d %s", status, desc, tt.status, tt.aadsts)
			}
			if strings.Contains(desc, tt.assertion) {
				t.Error("error echoes the assertion")
			}
		})
	}
}
