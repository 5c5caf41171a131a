package iam

import (
	"context"
	"crypto/md5"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iamd/iamd/api/iamapi"
)

// SSH public keys, signing certificates and service-specific credentials
// of users. Each is stored under its id and indexed under its user.

const (
	kindSSHKey      = "ssh-key"      // key id
	kindCert        = "signing-cert" // certificate id
	kindServiceCred = "service-cred" // credential id
)

type sshKey struct {
	ID          string    `json:"id"`
	User        string    `json:"user"`
	Body        string    `json:"body"`
	Fingerprint string    `json:"fingerprint"`
	Status      string    `json:"status"`
	Uploaded    time.Time `json:"uploaded"`
}

type signingCert struct {
	ID       string    `json:"id"`
	User     string    `json:"user"`
	Body     string    `json:"body"`
	Status   string    `json:"status"`
	Uploaded time.Time `json:"uploaded"`
}

type serviceCred struct {
	ID       string    `json:"id"`
	User     string    `json:"user"`
	Service  string    `json:"service"`
	UserName string    `json:"service_user"`
	Password string    `json:"password"` // sealed
	Status   string    `json:"status"`
	Created  time.Time `json:"created"`
}

// UploadSSHPublicKey adds an SSH public key to a user (at most five).
func (s *Service) UploadSSHPublicKey(ctx context.Context, in *iamapi.UploadSSHPublicKeyInput) (*iamapi.UploadSSHPublicKeyOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	_, fp, err := parseSSHKey(in.SSHPublicKeyBody)
	if err != nil {
		return nil, err
	}
	// 20 characters (APKA and 16), as AWS's SSH public key ids.
	k := &sshKey{ID: NewAccessKeyID(PrefixPublicKey), Body: in.SSHPublicKeyBody, Fingerprint: fp, Status: "Active", Uploaded: s.now().UTC().Truncate(time.Second)}
	err = s.update(ctx, func(tx Tx) error {
		u, err := getUser(tx, c.Account, in.UserName)
		if err != nil {
			return err
		}
		k.User = u.Name
		dup := false
		if err := scanJSON(tx, c.Account, kindSSHKey, "", "", 0, func(_ string, other *sshKey) error {
			dup = dup || other.User == u.Name && other.Fingerprint == fp
			return nil
		}); err != nil {
			return err
		}
		if dup {
			return iamapi.DuplicateSSHPublicKey("The SSH public key specified is already associated with the user.")
		}
		if err := checkCount(tx, c.Account, kindUserSSHKey, key(lower(u.Name), ""), "SSHPublicKeysPerUser", s.quotas.SSHKeysPerUser); err != nil {
			return err
		}
		if err := putJSON(tx, c.Account, kindSSHKey, k.ID, k); err != nil {
			return err
		}
		return tx.Put(c.Account, kindUserSSHKey, key(lower(u.Name), k.ID), nil)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UploadSSHPublicKeyOutput{SSHPublicKey: &iamapi.SSHPublicKey{UserName: k.User, SSHPublicKeyId: k.ID, Fingerprint: k.Fingerprint,
		SSHPublicKeyBody: k.Body, Status: k.Status, UploadDate: &k.Uploaded}}, nil
}

// userOwned reads a credential record that must belong to the user.
func userOwned[T any](tx Tx, account, kind, id, user string, owner func(*T) string, notFound error) (*T, error) {
	var v T
	if err := getJSON(tx, account, kind, id, &v); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, notFound
		}
		return nil, err
	}
	if lower(owner(&v)) != lower(user) {
		return nil, notFound
	}
	return &v, nil
}

func sshOwner(k *sshKey) string { return k.User }

// GetSSHPublicKey returns a user's SSH key.
func (s *Service) GetSSHPublicKey(ctx context.Context, in *iamapi.GetSSHPublicKeyInput) (*iamapi.GetSSHPublicKeyOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var k *sshKey
	err = s.view(ctx, func(tx Tx) error {
		if _, err := getUser(tx, c.Account, in.UserName); err != nil {
			return err
		}
		k, err = userOwned(tx, c.Account, kindSSHKey, in.SSHPublicKeyId, in.UserName, sshOwner, iamapi.NoSuchEntity("The Public Key with id %s cannot be found.", in.SSHPublicKeyId))
		return err
	})
	if err != nil {
		return nil, err
	}
	body := encodeSSHKey(k.Body, in.Encoding)
	return &iamapi.GetSSHPublicKeyOutput{SSHPublicKey: &iamapi.SSHPublicKey{UserName: k.User, SSHPublicKeyId: k.ID, Fingerprint: k.Fingerprint,
		SSHPublicKeyBody: body, Status: k.Status, UploadDate: &k.Uploaded}}, nil
}

// ListSSHPublicKeys lists a user's SSH keys.
func (s *Service) ListSSHPublicKeys(ctx context.Context, in *iamapi.ListSSHPublicKeysInput) (*iamapi.ListSSHPublicKeysOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListSSHPublicKeysOutput{SSHPublicKeys: []iamapi.SSHPublicKeyMetadata{}}
	err = s.view(ctx, func(tx Tx) error {
		if user != "" {
			if _, err := getUser(tx, c.Account, user); err != nil {
				return err
			}
		}
		ids, truncated, marker, err := pageKeys(tx, c.Account, kindUserSSHKey, key(lower(user), ""), in.MaxItems, in.Marker)
		if err != nil {
			return err
		}
		for _, id := range ids {
			var k sshKey
			if err := getJSON(tx, c.Account, kindSSHKey, id, &k); err != nil {
				return err
			}
			out.SSHPublicKeys = append(out.SSHPublicKeys, iamapi.SSHPublicKeyMetadata{UserName: k.User, SSHPublicKeyId: k.ID, Status: k.Status, UploadDate: k.Uploaded})
		}
		out.IsTruncated, out.Marker = ptr(truncated), marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateSSHPublicKey activates or deactivates a key.
func (s *Service) UpdateSSHPublicKey(ctx context.Context, in *iamapi.UpdateSSHPublicKeyInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if _, err := getUser(tx, c.Account, in.UserName); err != nil {
			return err
		}
		k, err := userOwned(tx, c.Account, kindSSHKey, in.SSHPublicKeyId, in.UserName, sshOwner, iamapi.NoSuchEntity("The Public Key with id %s cannot be found.", in.SSHPublicKeyId))
		if err != nil {
			return err
		}
		k.Status = in.Status
		return putJSON(tx, c.Account, kindSSHKey, k.ID, k)
	})
}

// DeleteSSHPublicKey deletes a key.
func (s *Service) DeleteSSHPublicKey(ctx context.Context, in *iamapi.DeleteSSHPublicKeyInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if _, err := getUser(tx, c.Account, in.UserName); err != nil {
			return err
		}
		k, err := userOwned(tx, c.Account, kindSSHKey, in.SSHPublicKeyId, in.UserName, sshOwner, iamapi.NoSuchEntity("The Public Key with id %s cannot be found.", in.SSHPublicKeyId))
		if err != nil {
			return err
		}
		if err := tx.Delete(c.Account, kindSSHKey, k.ID); err != nil {
			return err
		}
		return tx.Delete(c.Account, kindUserSSHKey, key(lower(k.User), k.ID))
	})
}

// parseCertificate reads a PEM certificate.
func parseCertificate(body string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(body))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, iamapi.MalformedCertificate("Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, iamapi.MalformedCertificate("Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	return cert, nil
}

// checkNotExpired refuses a certificate past its NotAfter date, as AWS
// does on upload (MalformedCertificate: "malformed or expired").
func checkNotExpired(cert *x509.Certificate, now time.Time) error {
	if now.After(cert.NotAfter) {
		return iamapi.MalformedCertificate("Certificate is no longer valid. The 'Not After' date restriction on the certificate has passed.")
	}
	return nil
}

func certID(cert *x509.Certificate) string {
	sum := md5.Sum(cert.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))[:24]
}

func certOwner(c *signingCert) string { return c.User }

// UploadSigningCertificate adds an X.509 signing certificate to a user (or
// the root user).
func (s *Service) UploadSigningCertificate(ctx context.Context, in *iamapi.UploadSigningCertificateInput) (*iamapi.UploadSigningCertificateOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	x, err := parseCertificate(in.CertificateBody)
	if err != nil {
		// AWS names the body it could not read for a signing certificate
		// (its server certificates answer the PEM message instead).
		return nil, iamapi.MalformedCertificate("Certificate %s is malformed.", in.CertificateBody)
	}
	if err := checkNotExpired(x, s.now()); err != nil {
		return nil, err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	cert := &signingCert{ID: certID(x), Body: in.CertificateBody, Status: "Active", Uploaded: s.now().UTC().Truncate(time.Second)}
	err = s.update(ctx, func(tx Tx) error {
		if user != "" {
			u, err := getUser(tx, c.Account, user)
			if err != nil {
				return err
			}
			user = u.Name
		}
		cert.User = user
		if err := checkCount(tx, c.Account, kindUserCert, key(lower(user), ""), "CertificatesPerUser", s.quotas.SigningCertsPerUser); err != nil {
			return err
		}
		if err := insertJSON(tx, c.Account, kindCert, cert.ID, cert); err != nil {
			if errors.Is(err, ErrExists) {
				return iamapi.DuplicateCertificate("The certificate is already in use.")
			}
			return err
		}
		return tx.Put(c.Account, kindUserCert, key(lower(user), cert.ID), nil)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UploadSigningCertificateOutput{Certificate: iamapi.SigningCertificate{UserName: cert.User, CertificateId: cert.ID,
		CertificateBody: cert.Body, Status: cert.Status, UploadDate: &cert.Uploaded}}, nil
}

// ListSigningCertificates lists a user's signing certificates.
func (s *Service) ListSigningCertificates(ctx context.Context, in *iamapi.ListSigningCertificatesInput) (*iamapi.ListSigningCertificatesOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListSigningCertificatesOutput{Certificates: []iamapi.SigningCertificate{}}
	err = s.view(ctx, func(tx Tx) error {
		if user != "" {
			if _, err := getUser(tx, c.Account, user); err != nil {
				return err
			}
		}
		ids, truncated, marker, err := pageKeys(tx, c.Account, kindUserCert, key(lower(user), ""), in.MaxItems, in.Marker)
		if err != nil {
			return err
		}
		for _, id := range ids {
			var cert signingCert
			if err := getJSON(tx, c.Account, kindCert, id, &cert); err != nil {
				return err
			}
			out.Certificates = append(out.Certificates, iamapi.SigningCertificate{UserName: cert.User, CertificateId: cert.ID,
				CertificateBody: cert.Body, Status: cert.Status, UploadDate: ptr(cert.Uploaded)})
		}
		out.IsTruncated, out.Marker = ptr(truncated), marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateSigningCertificate activates or deactivates a certificate.
func (s *Service) UpdateSigningCertificate(ctx context.Context, in *iamapi.UpdateSigningCertificateInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if err := checkUserExists(tx, c.Account, user); err != nil {
			return err
		}
		cert, err := userOwned(tx, c.Account, kindCert, in.CertificateId, user, certOwner, iamapi.NoSuchEntity("The Certificate with id %s cannot be found.", in.CertificateId))
		if err != nil {
			return err
		}
		cert.Status = in.Status
		return putJSON(tx, c.Account, kindCert, cert.ID, cert)
	})
}

// DeleteSigningCertificate deletes a certificate.
func (s *Service) DeleteSigningCertificate(ctx context.Context, in *iamapi.DeleteSigningCertificateInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if err := checkUserExists(tx, c.Account, user); err != nil {
			return err
		}
		cert, err := userOwned(tx, c.Account, kindCert, in.CertificateId, user, certOwner, iamapi.NoSuchEntity("The Certificate with id %s cannot be found.", in.CertificateId))
		if err != nil {
			return err
		}
		if err := tx.Delete(c.Account, kindCert, cert.ID); err != nil {
			return err
		}
		return tx.Delete(c.Account, kindUserCert, key(lower(cert.User), cert.ID))
	})
}

// Service-specific credentials (CodeCommit, Keyspaces, Bedrock...).

func (cr *serviceCred) meta() iamapi.ServiceSpecificCredentialMetadata {
	return iamapi.ServiceSpecificCredentialMetadata{UserName: cr.User, Status: cr.Status, ServiceUserName: ptr(cr.UserName),
		CreateDate: cr.Created, ServiceSpecificCredentialId: cr.ID, ServiceName: cr.Service}
}

func credOwner(cr *serviceCred) string { return cr.User }

// CreateServiceSpecificCredential creates a user name and password for a
// service (at most two per user and service).
func (s *Service) CreateServiceSpecificCredential(ctx context.Context, in *iamapi.CreateServiceSpecificCredentialInput) (*iamapi.CreateServiceSpecificCredentialOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	switch in.ServiceName {
	case "codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com":
	default:
		// AWS answers NoSuchEntity here, not the NotSupportedService its model lists.
		return nil, iamapi.NoSuchEntity("No such service %s is supported for Service-Specific Credentials", in.ServiceName)
	}
	password := NewSecretAccessKey()
	cred := &serviceCred{ID: NewID(PrefixCredential), Service: in.ServiceName, Status: "Active", Created: s.now().UTC().Truncate(time.Second)}
	err = s.update(ctx, func(tx Tx) error {
		u, err := getUser(tx, c.Account, in.UserName)
		if err != nil {
			return err
		}
		cred.User, cred.UserName = u.Name, fmt.Sprintf("%s-at-%s", u.Name, c.Account)
		n := 0
		if err := scanJSON(tx, c.Account, kindServiceCred, "", "", 0, func(_ string, other *serviceCred) error {
			if other.User == u.Name && other.Service == in.ServiceName {
				n++
			}
			return nil
		}); err != nil {
			return err
		}
		if n >= 2 {
			return limitExceeded("Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2")
		}
		cred.Password = s.sealer.Seal(password, cred.ID)
		if err := putJSON(tx, c.Account, kindServiceCred, cred.ID, cred); err != nil {
			return err
		}
		return tx.Put(c.Account, kindUserServiceCred, key(lower(u.Name), cred.ID), nil)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateServiceSpecificCredentialOutput{ServiceSpecificCredential: &iamapi.ServiceSpecificCredential{
		CreateDate: cred.Created, ServiceName: cred.Service, ServiceUserName: ptr(cred.UserName), ServicePassword: ptr(password),
		ServiceSpecificCredentialId: cred.ID, UserName: cred.User, Status: cred.Status}}, nil
}

// ListServiceSpecificCredentials lists a user's service credentials.
func (s *Service) ListServiceSpecificCredentials(ctx context.Context, in *iamapi.ListServiceSpecificCredentialsInput) (*iamapi.ListServiceSpecificCredentialsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListServiceSpecificCredentialsOutput{ServiceSpecificCredentials: []iamapi.ServiceSpecificCredentialMetadata{}, IsTruncated: ptr(false)}
	err = s.view(ctx, func(tx Tx) error {
		if user != "" {
			if _, err := getUser(tx, c.Account, user); err != nil {
				return err
			}
		}
		ids, err := scanKeys(tx, c.Account, kindUserServiceCred, key(lower(user), ""))
		if err != nil {
			return err
		}
		for _, id := range ids {
			var cr serviceCred
			if err := getJSON(tx, c.Account, kindServiceCred, id, &cr); err != nil {
				return err
			}
			if in.ServiceName == nil || *in.ServiceName == cr.Service {
				out.ServiceSpecificCredentials = append(out.ServiceSpecificCredentials, cr.meta())
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) modifyServiceCred(ctx context.Context, user *string, id string, fn func(*serviceCred) error) (*serviceCred, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	owner, err := callingUser(c, user)
	if err != nil {
		return nil, err
	}
	var cr *serviceCred
	err = s.update(ctx, func(tx Tx) error {
		cr, err = userOwned(tx, c.Account, kindServiceCred, id, owner, credOwner, iamapi.NoSuchEntity("No such credential %s exists.", id))
		if err != nil {
			return err
		}
		if err := fn(cr); err != nil {
			return err
		}
		return putJSON(tx, c.Account, kindServiceCred, cr.ID, cr)
	})
	return cr, err
}

// UpdateServiceSpecificCredential activates or deactivates a credential.
func (s *Service) UpdateServiceSpecificCredential(ctx context.Context, in *iamapi.UpdateServiceSpecificCredentialInput) error {
	_, err := s.modifyServiceCred(ctx, in.UserName, in.ServiceSpecificCredentialId, func(cr *serviceCred) error {
		cr.Status = in.Status
		return nil
	})
	return err
}

// ResetServiceSpecificCredential gives a credential a new password.
func (s *Service) ResetServiceSpecificCredential(ctx context.Context, in *iamapi.ResetServiceSpecificCredentialInput) (*iamapi.ResetServiceSpecificCredentialOutput, error) {
	password := NewSecretAccessKey()
	cr, err := s.modifyServiceCred(ctx, in.UserName, in.ServiceSpecificCredentialId, func(cr *serviceCred) error {
		cr.Password = s.sealer.Seal(password, cr.ID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.ResetServiceSpecificCredentialOutput{ServiceSpecificCredential: &iamapi.ServiceSpecificCredential{
		CreateDate: cr.Created, ServiceName: cr.Service, ServiceUserName: ptr(cr.UserName), ServicePassword: ptr(password),
		ServiceSpecificCredentialId: cr.ID, UserName: cr.User, Status: cr.Status}}, nil
}

// DeleteServiceSpecificCredential deletes a credential.
func (s *Service) DeleteServiceSpecificCredential(ctx context.Context, in *iamapi.DeleteServiceSpecificCredentialInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		cr, err := userOwned(tx, c.Account, kindServiceCred, in.ServiceSpecificCredentialId, user, credOwner,
			iamapi.NoSuchEntity("No such credential %s exists.", in.ServiceSpecificCredentialId))
		if err != nil {
			return err
		}
		if err := tx.Delete(c.Account, kindServiceCred, cr.ID); err != nil {
			return err
		}
		return tx.Delete(c.Account, kindUserServiceCred, key(lower(cr.User), cr.ID))
	})
}

// checkUserExists answers NoSuchEntity for a named user that does not
// exist, before anything about the user's credentials ("" is the root
// user, who always exists): AWS checks the user first.
func checkUserExists(tx Tx, account, user string) error {
	if user == "" {
		return nil
	}
	_, err := getUser(tx, account, user)
	return err
}
