package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"golang.org/x/crypto/pkcs12"
)

// CredentialKind says how the Entra application proves itself.
type CredentialKind string

// The credential kinds, chosen by which of the AZURE_* variables is set.
const (
	CredentialSecret      CredentialKind = "secret"      // AZURE_CLIENT_SECRET
	CredentialCertificate CredentialKind = "certificate" // AZURE_CLIENT_CERTIFICATE_PATH
	CredentialWorkload    CredentialKind = "workload"    // AZURE_FEDERATED_TOKEN_FILE
	CredentialManaged     CredentialKind = "managed"     // none of them: managed identity
)

// Certificate problems that newCredential reports in words an operator can act on. None of them
// carries the password.
var (
	errCertPasswordWrong   = errors.New("AZURE_CLIENT_CERTIFICATE_PASSWORD does not open the PFX file")
	errCertPasswordMissing = errors.New("the PFX file is password-protected: set AZURE_CLIENT_CERTIFICATE_PASSWORD")
	errCertPasswordPEM     = errors.New("AZURE_CLIENT_CERTIFICATE_PASSWORD is set but the file is PEM, " +
		"whose key must be unencrypted: unset the password, or use a PFX file")
	errCertEncryptedPEM = errors.New("the PEM private key is encrypted, which is not supported: " +
		"decrypt it (openssl pkey) or use a PFX file with AZURE_CLIENT_CERTIFICATE_PASSWORD")
	errCertPFXAlgorithm = errors.New("the PFX file uses algorithms that cannot be read (OpenSSL 3 defaults " +
		"to AES and SHA-256): export it with `openssl pkcs12 -export -legacy`, or use PEM")
	errCertKeyNotRSA = errors.New("the certificate's private key must be an RSA key")
)

// Bounded retries for token requests: azidentity's defaults (and the longer IMDS ones) can hold a
// caller for tens of seconds, while our callers retry on their own schedule.
const (
	credentialMaxRetries    = 2
	credentialRetryDelay    = 200 * time.Millisecond
	credentialMaxRetryDelay = 2 * time.Second
)

// newCredential builds the Entra credential that cfg describes: a client secret, a certificate,
// workload identity (a federated token file), or a managed identity when none of them is set.
// Build one per process and share it: each credential keeps its own token cache, so a second one
// asks Entra again. transport replaces the HTTP client when non-nil (tests).
func newCredential(cfg *Config, transport policy.Transporter) (azcore.TokenCredential, error) {
	opts := azcore.ClientOptions{
		Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: cfg.AuthorityHost()},
		Retry: policy.RetryOptions{
			MaxRetries:    credentialMaxRetries,
			RetryDelay:    credentialRetryDelay,
			MaxRetryDelay: credentialMaxRetryDelay,
		},
	}
	if transport != nil {
		opts.Transport = transport
	}
	noDiscovery := cfg.DisableInstanceDiscovery()

	var cred azcore.TokenCredential
	var err error
	switch kind := cfg.CredentialKind(); kind {
	case CredentialSecret:
		cred, err = azidentity.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: noDiscovery})
	case CredentialCertificate:
		certs, key, lerr := loadCertificate(cfg.ClientCertificatePath, cfg.ClientCertificatePassword)
		if lerr != nil {
			return nil, fmt.Errorf("certificate credential: %w", lerr)
		}
		cred, err = azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{
				ClientOptions:            opts,
				DisableInstanceDiscovery: noDiscovery,
				SendCertificateChain:     true,
			})
	case CredentialWorkload:
		cred, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions:            opts,
			TenantID:                 cfg.TenantID,
			ClientID:                 cfg.ClientID,
			TokenFilePath:            cfg.FederatedTokenFile,
			DisableInstanceDiscovery: noDiscovery,
		})
	case CredentialManaged:
		cred, err = azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{
			ClientOptions: opts,
			ID:            azidentity.ClientID(cfg.ClientID),
		})
	default:
		return nil, fmt.Errorf("unknown credential kind %q", kind)
	}
	if err != nil {
		return nil, fmt.Errorf("%s credential: %w", cfg.CredentialKind(), err)
	}
	return cred, nil
}

// loadCertificate reads a PEM or PFX (PKCS#12) file holding a certificate (chain) and its RSA
// private key. Errors name the variables, never the password.
func loadCertificate(path, password string) ([]*x509.Certificate, crypto.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			err = pe.Err
		}
		return nil, nil, fmt.Errorf("read the file named by AZURE_CLIENT_CERTIFICATE_PATH: %w", err)
	}
	if err := checkCertificateBlocks(data, password); err != nil {
		return nil, nil, err
	}
	certs, key, err := azidentity.ParseCertificates(data, []byte(password))
	if err != nil {
		return nil, nil, fmt.Errorf("parse the certificate file (PEM or PFX): %w", err)
	}
	switch key.(type) {
	case *rsa.PrivateKey:
		return certs, key, nil
	case *ecdsa.PrivateKey:
		return nil, nil, fmt.Errorf("%w, not an ECDSA key", errCertKeyNotRSA)
	case ed25519.PrivateKey:
		return nil, nil, fmt.Errorf("%w, not an Ed25519 key", errCertKeyNotRSA)
	default:
		return nil, nil, errCertKeyNotRSA
	}
}

// checkCertificateBlocks decodes the file as azidentity will and turns the cases it reports poorly
// (a password with PEM, an encrypted PEM key, an EC key it skips, a PFX it cannot decrypt) into
// clear errors. The PFX decoder's errors never contain the password.
func checkCertificateBlocks(data []byte, password string) error {
	var blocks []*pem.Block
	if b, _ := pem.Decode(data); b != nil {
		if password != "" {
			return errCertPasswordPEM
		}
		for rest := data; ; {
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			blocks = append(blocks, b)
		}
	} else {
		var err error
		blocks, err = pkcs12.ToPEM(data, password)
		switch {
		case errors.Is(err, pkcs12.ErrIncorrectPassword) || errors.Is(err, pkcs12.ErrDecryption):
			if password == "" {
				return errCertPasswordMissing
			}
			return errCertPasswordWrong
		case errors.As(err, new(pkcs12.NotImplementedError)):
			return fmt.Errorf("%w: %w", errCertPFXAlgorithm, err)
		case err != nil:
			return fmt.Errorf("the file is neither PEM nor a readable PFX (PKCS#12): %w", err)
		}
	}
	for _, b := range blocks {
		switch {
		case b.Type == "EC PRIVATE KEY" || b.Type == "PRIVATE KEY" && isSEC1(b.Bytes):
			// The PFX decoder returns an EC key as SEC 1 in a "PRIVATE KEY" block, which
			// azidentity cannot parse.
			return fmt.Errorf("%w, not an ECDSA key", errCertKeyNotRSA)
		case b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED"):
			return errCertEncryptedPEM
		}
	}
	return nil
}

// isSEC1 reports whether der is an EC private key in SEC 1 form.
func isSEC1(der []byte) bool {
	_, err := x509.ParseECPrivateKey(der)
	return err == nil
}
