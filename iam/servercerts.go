package iam

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"time"

	"github.com/iamd/iamd/api/iamapi"
)

// Server certificates (for load balancers and CloudFront): the certificate
// and chain are returned on request; the private key is sealed and never
// returned.

const kindServerCert = "server-cert" // lower name

type serverCert struct {
	Name       string    `json:"name"`
	ID         string    `json:"id"`
	Path       string    `json:"path"`
	Body       string    `json:"body"`
	Chain      string    `json:"chain,omitempty"`
	PrivateKey string    `json:"private_key"` // sealed
	Uploaded   time.Time `json:"uploaded"`
	Expiration time.Time `json:"expiration"`
	Tags       []Tag     `json:"tags,omitempty"`
}

func (sc *serverCert) meta(c *Caller) iamapi.ServerCertificateMetadata {
	return iamapi.ServerCertificateMetadata{Path: sc.Path, ServerCertificateName: sc.Name, ServerCertificateId: sc.ID,
		Arn: entityARN(c, "server-certificate", sc.Path, sc.Name), UploadDate: ptr(sc.Uploaded), Expiration: ptr(sc.Expiration)}
}

func getServerCert(tx Tx, account, name string) (*serverCert, error) {
	var sc serverCert
	if err := getJSON(tx, account, kindServerCert, lower(name), &sc); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, noSuchEntity("Server Certificate", name)
		}
		return nil, err
	}
	return &sc, nil
}

// parsePrivateKey reads a PEM private key (PKCS#1, PKCS#8 or EC).
func parsePrivateKey(text string) (crypto.PrivateKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, iamapi.MalformedCertificate("Unable to parse private key.")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, iamapi.MalformedCertificate("Unable to parse private key.")
}

// keyMatches reports whether the private key belongs to the certificate.
func keyMatches(cert *x509.Certificate, key crypto.PrivateKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	var pub crypto.PublicKey
	switch k := key.(type) {
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	case *ecdsa.PrivateKey:
		pub = &k.PublicKey
	case ed25519.PrivateKey:
		pub = k.Public()
	default:
		return false
	}
	e, ok := pub.(equaler)
	return ok && e.Equal(cert.PublicKey)
}

// checkChain accepts one or more PEM certificates and nothing else (text
// that is not PEM was once skipped and stored as the chain).
func checkChain(chain string) error {
	bad := iamapi.MalformedCertificate("Unable to parse the certificate chain.")
	rest := []byte(chain)
	n := 0
	for {
		block, next := pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return bad
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return bad
		}
		rest, n = next, n+1
	}
	if n == 0 || len(bytes.TrimSpace(rest)) > 0 {
		return bad
	}
	return nil
}

// serverCertExists is AWS's answer for a server certificate name in use,
// which (unlike users', roles' and groups') begins with "The".
func serverCertExists(name string) error {
	return iamapi.EntityAlreadyExists("The Server Certificate with name %s already exists.", name)
}

// UploadServerCertificate stores a certificate with its private key.
func (s *Service) UploadServerCertificate(ctx context.Context, in *iamapi.UploadServerCertificateInput) (*iamapi.UploadServerCertificateOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	cert, err := parseCertificate(in.CertificateBody)
	if err != nil {
		return nil, err
	}
	if err := checkNotExpired(cert, s.now()); err != nil {
		return nil, err
	}
	key, err := parsePrivateKey(in.PrivateKey)
	if err != nil {
		return nil, err
	}
	if !keyMatches(cert, key) {
		return nil, iamapi.KeyPairMismatch("Private key does not match the certificate.")
	}
	if in.CertificateChain != nil {
		if err := checkChain(*in.CertificateChain); err != nil {
			return nil, err
		}
	}
	tags, err := newTags(in.Tags, false)
	if err != nil {
		return nil, err
	}
	sc := &serverCert{Name: in.ServerCertificateName, ID: NewID(PrefixServerCert), Path: orDefault(in.Path, "/"), Body: in.CertificateBody,
		Chain: orDefault(in.CertificateChain, ""), Uploaded: s.now().UTC().Truncate(time.Second), Expiration: cert.NotAfter.UTC(), Tags: tags}
	sc.PrivateKey = s.sealer.Seal(in.PrivateKey, sc.ID)
	err = s.update(ctx, func(tx Tx) error {
		if err := insertJSON(tx, c.Account, kindServerCert, lower(sc.Name), sc); err != nil {
			if errors.Is(err, ErrExists) {
				return serverCertExists(sc.Name)
			}
			return err
		}
		return reserve(tx, c.Account, kindServerCert, "ServerCertificatesPerAccount", s.quotas.ServerCertificates)
	})
	if err != nil {
		return nil, err
	}
	meta := sc.meta(c)
	return &iamapi.UploadServerCertificateOutput{ServerCertificateMetadata: &meta, Tags: apiTags(tags)}, nil
}

// GetServerCertificate returns a certificate and its chain.
func (s *Service) GetServerCertificate(ctx context.Context, in *iamapi.GetServerCertificateInput) (*iamapi.GetServerCertificateOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var sc *serverCert
	if err := s.view(ctx, func(tx Tx) error { sc, err = getServerCert(tx, c.Account, in.ServerCertificateName); return err }); err != nil {
		return nil, err
	}
	return &iamapi.GetServerCertificateOutput{ServerCertificate: iamapi.ServerCertificate{ServerCertificateMetadata: sc.meta(c),
		CertificateBody: sc.Body, CertificateChain: optional(sc.Chain), Tags: alwaysTags(sc.Tags)}}, nil
}

// ListServerCertificates lists certificates under a path prefix.
func (s *Service) ListServerCertificates(ctx context.Context, in *iamapi.ListServerCertificatesInput) (*iamapi.ListServerCertificatesOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	under := pathPrefix(in.PathPrefix)
	var p page[serverCert]
	err = s.view(ctx, func(tx Tx) error {
		p, err = listPage(tx, c.Account, kindServerCert, "", in.MaxItems, in.Marker, func(sc *serverCert) bool { return under(sc.Path) })
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListServerCertificatesOutput{ServerCertificateMetadataList: []iamapi.ServerCertificateMetadata{}, IsTruncated: ptr(p.truncated), Marker: p.marker}
	for _, sc := range p.items {
		out.ServerCertificateMetadataList = append(out.ServerCertificateMetadataList, sc.meta(c))
	}
	return out, nil
}

// UpdateServerCertificate renames a certificate or moves it.
func (s *Service) UpdateServerCertificate(ctx context.Context, in *iamapi.UpdateServerCertificateInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		sc, err := getServerCert(tx, c.Account, in.ServerCertificateName)
		if err != nil {
			return err
		}
		if in.NewPath != nil {
			sc.Path = *in.NewPath
		}
		if in.NewServerCertificateName != nil && lower(*in.NewServerCertificateName) != lower(sc.Name) {
			if err := tx.Delete(c.Account, kindServerCert, lower(sc.Name)); err != nil {
				return err
			}
			sc.Name = *in.NewServerCertificateName
			if err := insertJSON(tx, c.Account, kindServerCert, lower(sc.Name), sc); err != nil {
				if errors.Is(err, ErrExists) {
					return serverCertExists(sc.Name)
				}
				return err
			}
			return nil
		}
		if in.NewServerCertificateName != nil {
			sc.Name = *in.NewServerCertificateName
		}
		return putJSON(tx, c.Account, kindServerCert, lower(sc.Name), sc)
	})
}

// DeleteServerCertificate deletes a certificate.
func (s *Service) DeleteServerCertificate(ctx context.Context, in *iamapi.DeleteServerCertificateInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if _, err := getServerCert(tx, c.Account, in.ServerCertificateName); err != nil {
			return err
		}
		if err := tx.Delete(c.Account, kindServerCert, lower(in.ServerCertificateName)); err != nil {
			return err
		}
		return release(tx, c.Account, kindServerCert)
	})
}

func (s *Service) modifyServerCert(ctx context.Context, name string, fn func(*serverCert) error) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		sc, err := getServerCert(tx, c.Account, name)
		if err != nil {
			return err
		}
		if err := fn(sc); err != nil {
			return err
		}
		return putJSON(tx, c.Account, kindServerCert, lower(sc.Name), sc)
	})
}

// TagServerCertificate adds tags to a certificate.
func (s *Service) TagServerCertificate(ctx context.Context, in *iamapi.TagServerCertificateInput) error {
	return s.modifyServerCert(ctx, in.ServerCertificateName, func(sc *serverCert) error {
		tags, err := mergeTags(sc.Tags, in.Tags, false)
		sc.Tags = tags
		return err
	})
}

// UntagServerCertificate removes tags from a certificate.
func (s *Service) UntagServerCertificate(ctx context.Context, in *iamapi.UntagServerCertificateInput) error {
	return s.modifyServerCert(ctx, in.ServerCertificateName, func(sc *serverCert) error {
		sc.Tags = removeTags(sc.Tags, in.TagKeys, false)
		return nil
	})
}

// ListServerCertificateTags lists a certificate's tags.
func (s *Service) ListServerCertificateTags(ctx context.Context, in *iamapi.ListServerCertificateTagsInput) (*iamapi.ListServerCertificateTagsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var sc *serverCert
	if err := s.view(ctx, func(tx Tx) error { sc, err = getServerCert(tx, c.Account, in.ServerCertificateName); return err }); err != nil {
		return nil, err
	}
	tags, truncated, marker, err := tagPage(sc.Tags, in.MaxItems, in.Marker)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListServerCertificateTagsOutput{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}
