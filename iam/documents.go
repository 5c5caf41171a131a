package iam

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/policy"
)

// checkDocument validates a policy document for the kind of policy it is,
// with AWS's errors (MalformedPolicyDocument, LimitExceeded).
func checkDocument(c *Caller, text string, kind policy.Kind, sizeQuota int) (*policy.Document, error) {
	if kind == policy.KindTrust && !json.Valid([]byte(text)) {
		// A trust policy that is not JSON at all, in AWS's words (recorded);
		// identity policies say "Syntax errors in policy." instead.
		return nil, awserr.New(policy.CodeMalformed, 400, "This policy contains invalid Json")
	}
	doc, err := policy.Check([]byte(text), kind, policy.Options{Partition: c.Partition, SizeQuota: sizeQuota})
	if err != nil {
		return nil, policyError(err)
	}
	return doc, nil
}

// policyError turns a policy validation error into the API's error.
func policyError(err error) error {
	pe, ok := errors.AsType[*policy.Error](err)
	if !ok {
		return err
	}
	status := 400
	if pe.Code == policy.CodeLimit {
		status = 409
	}
	return awserr.New(pe.Code, status, pe.Message)
}

// checkPrincipalsExist rejects a trust policy naming a user or role of an
// account hosted here that does not exist, as AWS does ("Invalid principal
// in policy"). Principals in other accounts cannot be checked.
func (s *Service) checkPrincipalsExist(tx Tx, doc *policy.Document) error {
	for _, st := range doc.Statements {
		if st.Principal == nil {
			continue
		}
		for _, e := range st.Principal.Entries {
			if e.Type != "AWS" {
				continue
			}
			for _, v := range e.Values.List {
				a, err := arn.Parse(v)
				if err != nil || a.Service != "iam" {
					continue
				}
				kind, rest, _ := strings.Cut(a.Resource, "/")
				if kind != "user" && kind != "role" {
					continue
				}
				if _, err := tx.Get("", kindAccount, a.AccountID); err != nil {
					continue // not an account of this server
				}
				name := rest[strings.LastIndexByte(rest, '/')+1:]
				if _, err := tx.Get(a.AccountID, kind, lower(name)); err != nil {
					return awserr.Newf("MalformedPolicyDocument", 400, "%s", policy.InvalidPrincipalMessage(e.Type, v))
				}
			}
		}
	}
	return nil
}

// encodeDocument percent-encodes a policy document for a response, as IAM
// does: every byte but the RFC 3986 unreserved characters, so that both
// botocore (unquote) and Terraform (QueryUnescape) decode it exactly.
func encodeDocument(doc string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(doc) * 2)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
