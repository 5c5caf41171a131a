package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/oidc"
)

// The local OIDC issuer: a discovery document and a JWKS to register as an
// IAM OIDC provider, and tokens with the claims a test asks for, so a CI
// role's trust policy can be tested end to end (a main-branch token
// allowed, a feature-branch token refused) without writing an issuer.

const defaultIssuerKey = "oidc-issuer.pem"

func newOIDCIssuerCommand() *cobra.Command {
	var addr, issuerURL, keyFile, tlsCert, tlsKey string
	cmd := &cobra.Command{
		Use:   "oidc-issuer [--addr HOST:PORT] [--issuer-url URL] [--key FILE]",
		Short: "Run a local OpenID Connect issuer (discovery document and JWKS) for trust-policy tests",
		Long: `Serve /.well-known/openid-configuration and /.well-known/jwks.json for an issuer whose signing key
is in --key (an RSA key in PEM; created when the file does not exist). Register the issuer with
iamd (CreateOpenIDConnectProvider with its URL) and mint tokens with "iamd oidc-issuer token",
which signs with the same key, to call AssumeRoleWithWebIdentity as a CI job would.

AWS requires issuers on https: give --tls-cert and --tls-key, or run iamd serve with
--oidc-allow-http for an issuer on loopback. This is a test tool: anyone with the key file can
mint tokens for it.`,
		Example: `  iamd oidc-issuer --addr 127.0.0.1:9999 --key ci.pem &
  TOKEN=$(iamd oidc-issuer token --key ci.pem --issuer-url http://127.0.0.1:9999 \
      --sub repo:octo-org/app:ref:refs/heads/main --aud sts.amazonaws.com)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if issuerURL == "" {
				scheme := "http"
				if tlsCert != "" {
					scheme = "https"
				}
				issuerURL = scheme + "://" + addr
			}
			if err := checkIssuerURL(issuerURL); err != nil {
				return err
			}
			key, err := loadOrCreateIssuerKey(keyFile)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usageError("listen on %s: %v", addr, err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			fmt.Fprintf(cmd.OutOrStdout(), "OIDC issuer %s on %s (key %s, kid %s)\n", issuerURL, ln.Addr(), keyFile, keyID(key))
			return serveOIDCIssuer(ctx, ln, oidcIssuerHandler(issuerURL, key), tlsCert, tlsKey)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", "127.0.0.1:9999", "address to listen on")
	fl.StringVar(&issuerURL, "issuer-url", "", "the issuer (iss) URL; default http(s)://ADDR")
	fl.StringVar(&keyFile, "key", defaultIssuerKey, "the signing key (PEM); created when missing")
	fl.StringVar(&tlsCert, "tls-cert", "", "serve https with this certificate (PEM)")
	fl.StringVar(&tlsKey, "tls-key", "", "the certificate's key (PEM)")
	cmd.AddCommand(newOIDCTokenCommand())
	return cmd
}

func newOIDCTokenCommand() *cobra.Command {
	var issuerURL, keyFile, sub string
	var aud, claims []string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "token --issuer-url URL --sub SUB --aud AUD [--claim NAME=VALUE]... [--key FILE]",
		Short: "Mint an ID token of the local issuer with the claims asked for",
		Long: `Print a signed ID token (RS256, signed with --key, the issuer's key) with iss, sub, aud, iat,
nbf and exp (--ttl from now), and every --claim: NAME=VALUE, where VALUE is taken as JSON when it
parses as JSON (numbers, true, arrays) and as a string otherwise. A claim may override the
standard ones (e.g. --claim exp=0 for an expired token).`,
		Example: `  iamd oidc-issuer token --issuer-url http://127.0.0.1:9999 --sub repo:octo-org/app:ref:refs/heads/main \
      --aud sts.amazonaws.com --claim repository=octo-org/app --claim ref=refs/heads/main`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if issuerURL == "" || sub == "" || len(aud) == 0 {
				return usageError("--issuer-url, --sub and --aud are required")
			}
			if err := checkIssuerURL(issuerURL); err != nil {
				return err
			}
			key, err := readIssuerKey(keyFile)
			if err != nil {
				return err
			}
			now := time.Now()
			c := map[string]any{"iss": issuerURL, "sub": sub, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(ttl).Unix(), "jti": randomID()}
			if len(aud) == 1 {
				c["aud"] = aud[0]
			} else {
				c["aud"] = aud
			}
			for _, kv := range claims {
				name, value, ok := strings.Cut(kv, "=")
				if !ok || name == "" {
					return usageError("--claim %q: want NAME=VALUE", kv)
				}
				var v any
				if json.Unmarshal([]byte(value), &v) != nil {
					v = value
				}
				c[name] = v
			}
			token, err := oidc.Sign(keyID(key), key, c)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), token)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&issuerURL, "issuer-url", "", "the issuer (iss) URL, as oidc-issuer serves it")
	fl.StringVar(&keyFile, "key", defaultIssuerKey, "the issuer's signing key (PEM)")
	fl.StringVar(&sub, "sub", "", "the subject, e.g. repo:octo-org/app:ref:refs/heads/main")
	fl.StringSliceVar(&aud, "aud", nil, "the audience (repeat for several)")
	fl.StringArrayVar(&claims, "claim", nil, "a further claim NAME=VALUE (repeatable)")
	fl.DurationVar(&ttl, "ttl", time.Hour, "how long the token is valid")
	return cmd
}

func checkIssuerURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return usageError("--issuer-url %q: want http(s)://host[:port][/path]", s)
	}
	return nil
}

// oidcIssuerHandler serves the discovery document and the JWKS.
func oidcIssuerHandler(issuerURL string, key crypto.Signer) http.Handler {
	base := strings.TrimSuffix(issuerURL, "/")
	jwk, err := oidc.NewJWK(keyID(key), key.Public())
	if err != nil {
		panic(err) // loadOrCreateIssuerKey makes RSA keys only
	}
	jwk.Use, jwk.Alg = "sig", "RS256"
	discovery, _ := json.Marshal(map[string]any{
		"issuer":                                issuerURL,
		"jwks_uri":                              base + "/.well-known/jwks.json",
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"claims_supported":                      []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti"},
	})
	keys, _ := json.Marshal(oidc.KeySet{Keys: []oidc.JWK{jwk}})
	prefix := ""
	if u, err := url.Parse(issuerURL); err == nil {
		prefix = strings.TrimSuffix(u.Path, "/")
	}
	mux := http.NewServeMux()
	serve := func(body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "max-age=300")
			_, _ = w.Write(body)
		}
	}
	mux.Handle("GET "+prefix+"/.well-known/openid-configuration", serve(discovery))
	mux.Handle("GET "+prefix+"/.well-known/jwks.json", serve(keys))
	return mux
}

// serveOIDCIssuer serves until ctx ends.
func serveOIDCIssuer(ctx context.Context, ln net.Listener, h http.Handler, certFile, keyFile string) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() {
		if certFile != "" {
			done <- srv.ServeTLS(ln, certFile, keyFile)
		} else {
			done <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// keyID names a key by its public half, so tokens and the JWKS agree
// without configuration.
func keyID(k crypto.Signer) string {
	der, _ := x509.MarshalPKIXPublicKey(k.Public())
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func readIssuerKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError("issuer key: %v (run iamd oidc-issuer once to create it)", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, usageError("issuer key %s: not PEM", path)
	}
	var k any
	switch blk.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	default:
		return nil, usageError("issuer key %s: PEM block %q is not a private key", path, blk.Type)
	}
	if err != nil {
		return nil, usageError("issuer key %s: %v", path, err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, usageError("issuer key %s: want an RSA key", path)
	}
	return rk, nil
}

func loadOrCreateIssuerKey(path string) (crypto.Signer, error) {
	k, err := readIssuerKey(path)
	if err == nil {
		return k, nil
	}
	if _, statErr := os.Stat(path); !errors.Is(statErr, fs.ErrNotExist) {
		return nil, err
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(rk)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, usageError("write issuer key: %v", err)
	}
	return rk, nil
}
