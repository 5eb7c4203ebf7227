package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/google/go-cmp/cmp"
)

// The PFX files in testdata hold a throw-away self-signed certificate (CN=mdebot-test) and key,
// made with OpenSSL 3:
//
//	openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 36500 -subj /CN=mdebot-test
//	openssl pkcs12 -export -in cert.pem -inkey key.pem -passout pass:pfx-test-password \
//	    -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1 -out rsa-legacy.pfx
//	openssl pkcs12 -export -in cert.pem -inkey key.pem -passout pass:pfx-test-password -out rsa-aes.pfx
//
// and ecdsa-legacy.pfx like rsa-legacy.pfx from a P-256 key (-newkey ec -pkeyopt ec_paramgen_curve:P-256).
const pfxPassword = "pfx-test-password"

// selfSigned returns a PEM certificate block for key.
func selfSigned(t *testing.T, key crypto.Signer) *pem.Block {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mdebot-test"},
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2125, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return &pem.Block{Type: "CERTIFICATE", Bytes: der}
}

func pkcs8(t *testing.T, key crypto.PrivateKey) *pem.Block {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return &pem.Block{Type: "PRIVATE KEY", Bytes: der}
}

// pemFile writes the blocks to a new file and returns its path.
func pemFile(t *testing.T, blocks ...*pem.Block) string {
	t.Helper()
	var b []byte
	for _, bl := range blocks {
		b = append(b, pem.EncodeToMemory(bl)...)
	}
	return testFile(t, "cert.pem", string(b))
}

// certFiles returns PEM files for the loadCertificate cases, by name.
func certFiles(t *testing.T) map[string]string {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	rsaCert := selfSigned(t, rsaKey)
	return map[string]string{
		"rsa pkcs8":     pemFile(t, rsaCert, pkcs8(t, rsaKey)),
		"rsa pkcs1":     pemFile(t, &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}, rsaCert),
		"rsa chain":     pemFile(t, rsaCert, selfSigned(t, ecKey), pkcs8(t, rsaKey)),
		"ecdsa pkcs8":   pemFile(t, selfSigned(t, ecKey), pkcs8(t, ecKey)),
		"ecdsa sec1":    pemFile(t, selfSigned(t, ecKey), &pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER}),
		"ed25519":       pemFile(t, selfSigned(t, edKey), pkcs8(t, edKey)),
		"no key":        pemFile(t, rsaCert),
		"pkcs8 crypted": pemFile(t, rsaCert, &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0}}),
		"legacy crypted": pemFile(t, rsaCert, &pem.Block{Type: "RSA PRIVATE KEY",
			Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: []byte{0}}),
	}
}

func TestLoadCertificate(t *testing.T) {
	t.Parallel()
	files := certFiles(t)
	files["pfx"] = filepath.Join("testdata", "rsa-legacy.pfx")
	files["pfx aes"] = filepath.Join("testdata", "rsa-aes.pfx")
	files["pfx ecdsa"] = filepath.Join("testdata", "ecdsa-legacy.pfx")
	files["garbage"] = testFile(t, "garbage", "neither PEM nor PKCS#12")
	files["missing"] = filepath.Join(t.TempDir(), "missing.pem")
	const wrong = "wrong-S3KR1T-password"
	tests := []struct {
		file, password string
		certs          int   // on success
		want           error // errors.Is target
		text           string
	}{
		{"rsa pkcs8", "", 1, nil, ""},
		{"rsa pkcs1", "", 1, nil, ""},
		{"rsa chain", "", 2, nil, ""},
		{"pfx", pfxPassword, 1, nil, ""},
		{"ecdsa pkcs8", "", 0, errCertKeyNotRSA, "not an ECDSA key"},
		{"ecdsa sec1", "", 0, errCertKeyNotRSA, "not an ECDSA key"},
		{"ed25519", "", 0, errCertKeyNotRSA, "not an Ed25519 key"},
		{"pfx ecdsa", pfxPassword, 0, errCertKeyNotRSA, "not an ECDSA key"},
		{"rsa pkcs8", wrong, 0, errCertPasswordPEM, ""},
		{"pkcs8 crypted", "", 0, errCertEncryptedPEM, ""},
		{"legacy crypted", "", 0, errCertEncryptedPEM, ""},
		{"no key", "", 0, nil, "found no private key"},
		{"pfx", wrong, 0, errCertPasswordWrong, ""},
		{"pfx", "", 0, errCertPasswordMissing, ""},
		{"pfx aes", pfxPassword, 0, errCertPFXAlgorithm, "-legacy"},
		{"garbage", "", 0, nil, "neither PEM nor a readable PFX"},
		{"missing", "", 0, fs.ErrNotExist, "AZURE_CLIENT_CERTIFICATE_PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.password, func(t *testing.T) {
			t.Parallel()
			certs, key, err := loadCertificate(files[tt.file], tt.password)
			if tt.want == nil && tt.text == "" {
				if err != nil {
					t.Fatalf("loadCertificate: %v", err)
				}
				if _, ok := key.(*rsa.PrivateKey); !ok || len(certs) != tt.certs {
					t.Errorf("got %d certificates and a %T key, want %d and an RSA key", len(certs), key, tt.certs)
				}
				return
			}
			switch {
			case err == nil:
				t.Fatal("loadCertificate succeeded, want an error")
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Errorf("error %q is not %q", err, tt.want)
			case !strings.Contains(err.Error(), tt.text):
				t.Errorf("error %q does not say %q", err, tt.text)
			}
			for _, secret := range []string{wrong, pfxPassword, files["missing"]} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows the password or path %q", err, secret)
				}
			}
		})
	}
}

func TestNewCredentialKinds(t *testing.T) {
	t.Parallel()
	token := testFile(t, "token", "eyJhbGciOi.e30.sig")
	ecdsaPFX := filepath.Join("testdata", "ecdsa-legacy.pfx")
	rsaPFX := filepath.Join("testdata", "rsa-legacy.pfx")
	cert := func(path, password string) map[string]string {
		return map[string]string{"AZURE_CLIENT_SECRET": "<unset>", "AZURE_CLIENT_CERTIFICATE_PATH": path,
			"AZURE_CLIENT_CERTIFICATE_PASSWORD": password}
	}
	tests := []struct {
		name string
		env  map[string]string
		want string // the credential's type, or an error text
	}{
		{"secret", nil, "*azidentity.ClientSecretCredential"},
		{"certificate", cert(rsaPFX, pfxPassword), "*azidentity.ClientCertificateCredential"},
		{"workload", map[string]string{"AZURE_CLIENT_SECRET": "<unset>", "AZURE_FEDERATED_TOKEN_FILE": token},
			"*azidentity.WorkloadIdentityCredential"},
		{"managed", map[string]string{"AZURE_CLIENT_SECRET": "<unset>"}, "*azidentity.ManagedIdentityCredential"},
		{"ecdsa certificate", cert(ecdsaPFX, pfxPassword), "certificate credential: the certificate's private key must be an RSA key, not an ECDSA key"},
		{"wrong password", cert(rsaPFX, "S3KR1T"), "certificate credential: AZURE_CLIENT_CERTIFICATE_PASSWORD does not open the PFX file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cred, err := newCredential(mustLoad(t, with(tt.env)), nil)
			got := ""
			switch c := cred.(type) {
			case *azidentity.ClientSecretCredential:
				got = "*azidentity.ClientSecretCredential"
			case *azidentity.ClientCertificateCredential:
				got = "*azidentity.ClientCertificateCredential"
			case *azidentity.WorkloadIdentityCredential:
				got = "*azidentity.WorkloadIdentityCredential"
			case *azidentity.ManagedIdentityCredential:
				got = "*azidentity.ManagedIdentityCredential"
			case nil:
				got = err.Error()
			default:
				t.Fatalf("unexpected credential %T", c)
			}
			if got != tt.want {
				t.Errorf("newCredential = %s, want %s", got, tt.want)
			}
		})
	}
}

// recordingTransport answers every request with 503 and records it. It stands in for the network,
// so that no authority is contacted.
type recordingTransport struct {
	mu   sync.Mutex
	reqs []string
}

func (r *recordingTransport) Do(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := *req.URL
	u.RawQuery, u.ForceQuery = "", false
	if id := req.URL.Query().Get("client_id"); id != "" {
		u.RawQuery = "client_id=" + id
	}
	r.reqs = append(r.reqs, req.Method+" "+u.String())
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{},
		Body: http.NoBody, Request: req}, nil
}

var _ policy.Transporter = (*recordingTransport)(nil)

// TestNewCredentialRequests checks where the first token request of each credential goes: the
// configured authority, with instance discovery only for Microsoft ones, and 1+2 tries each.
func TestNewCredentialRequests(t *testing.T) {
	t.Parallel()
	token := testFile(t, "token", "eyJhbGciOi.e30.sig")
	private := map[string]string{"AZURE_AUTHORITY_HOST": "https://entra.example.test/"}
	times3 := func(s string) []string { return []string{s, s, s} }
	oidc := func(host string) []string {
		return times3("GET https://" + host + "/" + testTenant + "/v2.0/.well-known/openid-configuration")
	}
	discovery := func(host string) []string { return times3("GET https://" + host + "/common/discovery/instance") }
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"public secret", nil, append(discovery("login.microsoftonline.com"), oidc("login.microsoftonline.com")...)},
		{"gcc-high secret", map[string]string{"MDEBOT_CLOUD": "gcc-high"},
			append(discovery("login.microsoftonline.us"), oidc("login.microsoftonline.us")...)},
		{"private secret", private, oidc("entra.example.test")},
		{"private certificate", clone(private, map[string]string{"AZURE_CLIENT_SECRET": "<unset>",
			"AZURE_CLIENT_CERTIFICATE_PATH":     filepath.Join("testdata", "rsa-legacy.pfx"),
			"AZURE_CLIENT_CERTIFICATE_PASSWORD": pfxPassword}), oidc("entra.example.test")},
		{"private workload", clone(private, map[string]string{"AZURE_CLIENT_SECRET": "<unset>",
			"AZURE_FEDERATED_TOKEN_FILE": token}), oidc("entra.example.test")},
		{"managed", map[string]string{"AZURE_CLIENT_SECRET": "<unset>"},
			times3("GET http://169.254.169.254/metadata/identity/oauth2/token?client_id=" + testClient)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustLoad(t, with(tt.env))
			if cfg.CredentialKind() == CredentialManaged && os.Getenv("IDENTITY_ENDPOINT")+os.Getenv("MSI_ENDPOINT") != "" {
				t.Skip("this host has a managed identity endpoint other than IMDS")
			}
			// The retry delays run on synctest's clock.
			synctest.Test(t, func(t *testing.T) {
				rec := &recordingTransport{}
				cred, err := newCredential(cfg, rec)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := cred.GetToken(t.Context(), policy.TokenRequestOptions{Scopes: []string{cfg.Scope()}}); err == nil {
					t.Fatal("GetToken succeeded against a transport that answers 503")
				}
				if diff := cmp.Diff(tt.want, rec.reqs); diff != "" {
					t.Errorf("requests (-want +got):\n%s", diff)
				}
			})
		})
	}
}

var _ azcore.TokenCredential = (*azidentity.ClientSecretCredential)(nil)
