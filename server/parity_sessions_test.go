package server_test

// Issue 18, item 4: a role session calling any operation whose UserName
// the API model makes optional (the caller's own user when left out) is
// told to name the user, as AWS answers a caller that is no IAM user. The
// operations come from the model, so one it adds without a case fails.

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/iamd/iamd/server"
)

// adminRoleSession is the credentials of a session of an administrator
// role, assumed by a user.
func adminRoleSession(t *testing.T, s *server.Instance, root *iam.Client) *ststypes.Credentials {
	t.Helper()
	_, ak, as := newUser(t, s, root, "assumer")
	mustQuery(t, s, "PutUserPolicy", "UserName", "assumer", "PolicyName", "assume", "PolicyDocument",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	userSTS := stsClient(s, ak, as, "")
	roleSession(t, s, root, userSTS, "admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	return must[*sts.AssumeRoleOutput](t)(userSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(acctARN + "role/admin"), RoleSessionName: aws.String("s2")})).Credentials
}

func TestParityEveryUserOptionalOperationNeedsTheUser(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	cr := adminRoleSession(t, s, root)
	cert, _ := validCert(t, "session")
	serial := acctARN + "mfa/none"
	credID := "ACCA" + strings.Repeat("A", 16)
	// The inputs each operation needs besides UserName.
	params := map[string][]string{
		"CreateAccessKey":                 nil,
		"CreateLoginProfile":              {"Password", "Correct-Horse-Battery-9"},
		"DeactivateMFADevice":             {"SerialNumber", serial},
		"DeleteAccessKey":                 {"AccessKeyId", "AKIA" + strings.Repeat("A", 16)},
		"DeleteLoginProfile":              nil,
		"DeleteServiceSpecificCredential": {"ServiceSpecificCredentialId", credID},
		"DeleteSigningCertificate":        {"CertificateId", strings.Repeat("A", 24)},
		"GetLoginProfile":                 nil,
		"GetMFADevice":                    {"SerialNumber", serial},
		"GetUser":                         nil,
		"ListAccessKeys":                  nil,
		"ListMFADevices":                  nil,
		"ListSSHPublicKeys":               nil,
		"ListServiceSpecificCredentials":  nil,
		"ListSigningCertificates":         nil,
		"ResetServiceSpecificCredential":  {"ServiceSpecificCredentialId", credID},
		"UpdateAccessKey":                 {"AccessKeyId", "AKIA" + strings.Repeat("A", 16), "Status", "Inactive"},
		"UpdateServiceSpecificCredential": {"ServiceSpecificCredentialId", credID, "Status", "Inactive"},
		"UpdateSigningCertificate":        {"CertificateId", strings.Repeat("A", 24), "Status", "Inactive"},
		"UploadSigningCertificate":        {"CertificateBody", cert},
	}
	optional := userOptionalOperations(t)
	if len(optional) < 15 {
		t.Fatalf("the model makes UserName optional in %d operations", len(optional))
	}
	for _, op := range optional {
		p, ok := params[op]
		if !ok {
			t.Errorf("%s: UserName is optional in the model, no case calls it", op)
			continue
		}
		code, body := querySession(t, s, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken, op, p...)
		wantError(t, op, code, body, 400, "ValidationError", "Must specify userName when calling with non-User credentials")
	}
	// Nothing was made for the session: no login profile, key or certificate.
	if b := mustQuery(t, s, "ListAccessKeys", "UserName", "assumer"); strings.Count(b, "<AccessKeyId>") != 1 {
		t.Errorf("keys after refused calls: %s", b)
	}
	if code, _ := query(t, s, "GetLoginProfile", "UserName", "assumer"); code != 404 {
		t.Errorf("a login profile was made")
	}
	if b := mustQuery(t, s, "ListSigningCertificates", "UserName", "assumer"); strings.Contains(b, "<CertificateId>") {
		t.Errorf("a certificate was uploaded: %s", b)
	}
}

// userOptionalOperations are the IAM operations whose input has a
// UserName the model does not require.
func userOptionalOperations(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "api", "model", "iam-2010-05-08.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Operations map[string]struct {
			Input *struct {
				Shape string `json:"shape"`
			} `json:"input"`
		} `json:"operations"`
		Shapes map[string]struct {
			Members  map[string]json.RawMessage `json:"members"`
			Required []string                   `json:"required"`
		} `json:"shapes"`
	}
	if err := json.NewDecoder(zr).Decode(&m); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for op, o := range m.Operations {
		if o.Input == nil {
			continue
		}
		in := m.Shapes[o.Input.Shape]
		if _, ok := in.Members["UserName"]; ok && !slices.Contains(in.Required, "UserName") {
			ops = append(ops, op)
		}
	}
	slices.Sort(ops)
	return ops
}
