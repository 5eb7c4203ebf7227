package mdefake

import (
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is a SHA-1 thumbprint by definition
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// checkClient verifies the client's secret or assertion. Its errors are Entra descriptions that
// never contain the secret or the assertion.
func (f *Fake) checkClient(app App, form url.Values, tokenEndpoint string) error {
	secret, assertion := form.Get("client_secret"), form.Get("client_assertion")
	switch {
	case secret != "" && assertion != "":
		return errors.New("AADSTS90023: Send either 'client_secret' or 'client_assertion', not both")
	case secret != "":
		if app.Secret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(app.Secret)) != 1 {
			return fmt.Errorf("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'", app.ClientID)
		}
		return nil
	case assertion != "":
		if form.Get("client_assertion_type") != assertionType {
			return errors.New("AADSTS7000219: 'client_assertion_type' must be " + assertionType)
		}
		if app.FederatedToken != "" && subtle.ConstantTimeCompare([]byte(assertion), []byte(app.FederatedToken)) == 1 {
			return nil
		}
		if app.Certificate == nil {
			return errors.New("AADSTS70021: No matching federated identity record found for presented assertion")
		}
		return checkCertAssertion(app, assertion, tokenEndpoint)
	default:
		return errors.New("AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'")
	}
}

// checkCertAssertion verifies a private_key_jwt assertion against the app's certificate.
func checkCertAssertion(app App, assertion, tokenEndpoint string) error {
	pub, ok := app.Certificate.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("AADSTS700027: The certificate registered on the application does not hold an RSA key")
	}
	keyfunc := func(t *jwt.Token) (any, error) {
		if !thumbprintMatches(t.Header["x5t#S256"], sha256Sum(app.Certificate.Raw)) &&
			!thumbprintMatches(t.Header["x5t"], sha1Sum(app.Certificate.Raw)) {
			return nil, errors.New("certificate thumbprint not registered")
		}
		return pub, nil
	}
	_, err := jwt.Parse(assertion, keyfunc,
		jwt.WithValidMethods([]string{"RS256", "PS256"}),
		jwt.WithAudience(tokenEndpoint),
		jwt.WithIssuer(app.ClientID),
		jwt.WithSubject(app.ClientID),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(time.Minute),
	)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet):
		return errors.New("AADSTS700024: Client assertion is not within its valid time range")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return errors.New("AADSTS700212: No matching federated identity record found for presented assertion audience")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), errors.Is(err, jwt.ErrTokenInvalidSubject):
		return errors.New("AADSTS700023: Client assertion issuer and subject must both be the client id")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return errors.New("AADSTS700027: The certificate with the identifier used to sign the client assertion is not registered on the application, or the signature is invalid")
	default:
		return errors.New("AADSTS50027: JWT token is invalid or malformed")
	}
}

// thumbprintMatches reports whether a header value is want in base64 (standard or URL, padded or not).
func thumbprintMatches(header any, want []byte) bool {
	s, ok := header.(string)
	if !ok || s == "" {
		return false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if got, err := enc.DecodeString(s); err == nil && subtle.ConstantTimeCompare(got, want) == 1 {
			return true
		}
	}
	return false
}

func sha256Sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

func sha1Sum(b []byte) []byte { s := sha1.Sum(b); return s[:] } //nolint:gosec // x5t

// tokenSpec describes an access token to mint.
type tokenSpec struct {
	tenant, client, audience string
	roles                    []string
	issued                   time.Time
	ttl                      time.Duration
}

// mintToken signs an app-only access token like the ones Entra issues for MDE.
func (f *Fake) mintToken(s tokenSpec) (string, error) {
	claims := jwt.MapClaims{
		"aud":   s.audience,
		"iss":   f.issuer(s.tenant),
		"iat":   s.issued.Unix(),
		"nbf":   s.issued.Unix(),
		"exp":   s.issued.Add(s.ttl).Unix(),
		"tid":   s.tenant,
		"appid": s.client,
		"azp":   s.client,
		"sub":   s.client,
		"oid":   s.client,
		"idtyp": "app",
		"ver":   "2.0",
		"jti":   uuid.NewString(),
		"roles": cloneStrings(s.roles),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = f.keyID
	signed, err := tok.SignedString(f.signKey)
	if err != nil {
		return "", fmt.Errorf("sign access token: %w", err)
	}
	return signed, nil
}

// accessClaims are the claims the MDE side reads from a bearer token.
type accessClaims struct {
	jwt.RegisteredClaims
	TenantID string   `json:"tid"`
	AppID    string   `json:"appid"`
	Roles    []string `json:"roles"`
}

// authenticate validates the request's bearer token: signature by the fake's key, audience,
// issuer and lifetime (wall clock).
func (f *Fake) authenticate(r *http.Request, audience string) (*accessClaims, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, errors.New("authorization header is missing")
	}
	scheme, raw, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return nil, errors.New("authorization header is not a bearer token")
	}
	claims := &accessClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != f.keyID {
			return nil, errors.New("unknown signing key")
		}
		return &f.signKey.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(audience), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, errors.New("the access token has expired")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return nil, errors.New("the access token has the wrong audience")
	case err != nil:
		return nil, errors.New("the access token is invalid")
	}
	if claims.Issuer != f.issuer(claims.TenantID) || claims.AppID == "" {
		return nil, errors.New("the access token has the wrong issuer")
	}
	return claims, nil
}

// hasAnyRole reports whether roles holds one of want (none wanted means any token will do).
func hasAnyRole(roles, want []string) bool {
	if len(want) == 0 {
		return true
	}
	return slices.ContainsFunc(want, func(w string) bool {
		return slices.ContainsFunc(roles, func(r string) bool { return strings.EqualFold(r, w) })
	})
}
