package server_test

// Issue 18, item 4: AWS's wording for a missing entity, kind by kind. Each
// message is the one LocalStack's recordings against AWS show (the file
// under testdata/snapshots named in the case), with the recording's
// placeholders filled in; the few kinds no recording shows say so and use
// the form AWS gives the recorded kinds.

import (
	"strings"
	"testing"
)

func TestParityNotFoundWording(t *testing.T) {
	s := testServer(t)
	mustQuery(t, s, "CreateUser", "UserName", "u")
	mustQuery(t, s, "CreateGroup", "GroupName", "g")
	mustQuery(t, s, "CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", ec2TrustDoc)
	mustQuery(t, s, "CreatePolicy", "PolicyName", "p", "PolicyDocument", listBucket)
	mustQuery(t, s, "CreateInstanceProfile", "InstanceProfileName", "ip")
	acct := "arn:aws:iam::" + testAccount + ":"
	for _, tc := range []struct {
		kind, source, action string
		params               []string
		message              string
	}{
		{"user", "iam_users.json", "GetUser", []string{"UserName", "nouser"}, "The user with name nouser cannot be found."},
		{"user (update)", "iam_users.json", "UpdateUser", []string{"UserName", "nouser", "NewUserName", "x"}, "The user with name nouser cannot be found."},
		{"user (tag)", "iam_users.json", "ListUserTags", []string{"UserName", "nouser"}, "The user with name nouser cannot be found."},
		{"group", "iam_groups.json", "GetGroup", []string{"GroupName", "nogroup"}, "The group with name nogroup cannot be found."},
		{"group (delete)", "iam_groups.json", "DeleteGroup", []string{"GroupName", "nogroup"}, "The group with name nogroup cannot be found."},
		{"role", "iam_roles.json", "GetRole", []string{"RoleName", "norole"}, "The role with name norole cannot be found."},
		{"role (tag)", "iam_roles.json", "TagRole", []string{"RoleName", "norole", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"}, "The role with name norole cannot be found."},
		{"role policy", "iam_roles.json", "GetRolePolicy", []string{"RoleName", "r", "PolicyName", "nopol"}, "The role policy with name nopol cannot be found."},
		{"role policy (delete)", "iam_roles.json", "DeleteRolePolicy", []string{"RoleName", "r", "PolicyName", "nopol"}, "The role policy with name nopol cannot be found."},
		{"group policy", "iam_groups.json", "GetGroupPolicy", []string{"GroupName", "g", "PolicyName", "nopol"}, "The group policy with name nopol cannot be found."},
		{"user policy", "unrecorded: the role and group policy form", "GetUserPolicy", []string{"UserName", "u", "PolicyName", "nopol"}, "The user policy with name nopol cannot be found."},
		{"managed policy (tag)", "iam_policies.json", "TagPolicy", []string{"PolicyArn", acct + "policy/NotAPolicy", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"}, "Policy " + acct + "policy/NotAPolicy was not found."},
		// No recording; AWS's answer as public CLI output against AWS
		// quotes it ("when calling the GetPolicy operation: Policy arn:…
		// was not found.").
		{"managed policy (get)", "public CLI output", "GetPolicy", []string{"PolicyArn", acct + "policy/NotAPolicy"}, "Policy " + acct + "policy/NotAPolicy was not found."},
		{"managed policy (attach)", "iam_roles.json", "AttachRolePolicy", []string{"RoleName", "r", "PolicyArn", acct + "policy/nopol"}, "Policy " + acct + "policy/nopol does not exist or is not attachable."},
		{"managed policy (entities)", "iam_policies.json", "ListEntitiesForPolicy", []string{"PolicyArn", acct + "policy/nopol"}, "Policy " + acct + "policy/nopol does not exist or is not attachable."},
		{"managed policy not attached", "iam_roles.json", "DetachRolePolicy", []string{"RoleName", "r", "PolicyArn", acct + "policy/p"}, "Policy " + acct + "policy/p was not found."},
		{"AWS managed policy not attached", "iam_roles.json", "DetachRolePolicy", []string{"RoleName", "r", "PolicyArn", "arn:aws:iam::aws:policy/Nonexistent"}, "Policy arn:aws:iam::aws:policy/Nonexistent was not found."},
		{"policy version", "iam_policies.json", "GetPolicyVersion", []string{"PolicyArn", acct + "policy/p", "VersionId", "v9"}, "Policy " + acct + "policy/p version v9 does not exist or is not attachable."},
		{"policy version of a missing policy", "iam_policies.json", "SetDefaultPolicyVersion", []string{"PolicyArn", acct + "policy/nopol", "VersionId", "v1"}, "Policy " + acct + "policy/nopol version v1 does not exist or is not attachable."},
		{"permissions boundary", "iam_roles.json", "PutRolePermissionsBoundary", []string{"RoleName", "r", "PermissionsBoundary", acct + "policy/nopol"}, "Scope ARN: " + acct + "policy/nopol does not exist or is not attachable."},
		{"instance profile", "iam_instance_profiles.json", "GetInstanceProfile", []string{"InstanceProfileName", "noprofile"}, "Instance Profile noprofile cannot be found."},
		{"role in instance profile", "iam_instance_profiles.json", "RemoveRoleFromInstanceProfile", []string{"InstanceProfileName", "ip", "RoleName", "r"}, "Role r in Instance Profile ip cannot be found."},
		{"login profile", "iam_users.json", "DeleteLoginProfile", []string{"UserName", "u"}, "Login Profile for User u cannot be found."},
		{"access key", "iam_users.json", "UpdateAccessKey", []string{"UserName", "u", "AccessKeyId", "AKIAIOSFODNN7EXAMPLE", "Status", "Inactive"}, "The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found."},
		{"MFA device", "iam_mfa.json", "DeactivateMFADevice", []string{"UserName", "u", "SerialNumber", acct + "mfa/nomfa"}, "MFA Device with serial number " + acct + "mfa/nomfa does not exist."},
		{"virtual MFA device", "iam_mfa.json", "DeleteVirtualMFADevice", []string{"SerialNumber", acct + "mfa/nomfa"}, "MFA Device with serial number " + acct + "mfa/nomfa does not exist."},
		{"SAML provider", "iam_saml_providers.json", "GetSAMLProvider", []string{"SAMLProviderArn", acct + "saml-provider/NoIdP"}, "Manifest not found for arn " + acct + "saml-provider/NoIdP"},
		{"SAML provider (delete)", "iam_saml_providers.json", "DeleteSAMLProvider", []string{"SAMLProviderArn", acct + "saml-provider/NoIdP"}, "Manifest not found for arn " + acct + "saml-provider/NoIdP"},
		{"OIDC provider", "iam_oidc.json", "GetOpenIDConnectProvider", []string{"OpenIDConnectProviderArn", acct + "oidc-provider/none.example.com"}, "OpenIDConnect Provider not found for arn " + acct + "oidc-provider/none.example.com"},
		{"OIDC provider (delete)", "iam_oidc.json", "DeleteOpenIDConnectProvider", []string{"OpenIDConnectProviderArn", acct + "oidc-provider/none.example.com"}, "OpenId connect Provider " + acct + "oidc-provider/none.example.com cannot be found."},
		{"server certificate", "iam_server_certificates.json", "GetServerCertificate", []string{"ServerCertificateName", "nocert"}, "The Server Certificate with name nocert cannot be found."},
		{"server certificate (delete)", "iam_server_certificates.json", "DeleteServerCertificate", []string{"ServerCertificateName", "nocert"}, "The Server Certificate with name nocert cannot be found."},
		{"signing certificate", "iam_signing_certificates.json", "UpdateSigningCertificate", []string{"UserName", "u", "CertificateId", "NONEXISTENTCERTID12345678901", "Status", "Inactive"}, "The Certificate with id NONEXISTENTCERTID12345678901 cannot be found."},
		{"SSH public key", "iam_ssh_public_keys.json", "GetSSHPublicKey", []string{"UserName", "u", "SSHPublicKeyId", "APKAXXXXXXXXXXXXXXXXX", "Encoding", "SSH"}, "The Public Key with id APKAXXXXXXXXXXXXXXXXX cannot be found."},
		{"SSH public key (delete)", "iam_ssh_public_keys.json", "DeleteSSHPublicKey", []string{"UserName", "u", "SSHPublicKeyId", "APKAXXXXXXXXXXXXXXXXX"}, "The Public Key with id APKAXXXXXXXXXXXXXXXXX cannot be found."},
		{"password policy", "iam_account_password_policy.json", "GetAccountPasswordPolicy", nil, "The Password Policy with domain name " + testAccount + " cannot be found."},
		{"password policy (delete)", "iam_account_password_policy.json", "DeleteAccountPasswordPolicy", nil, "The account policy with name PasswordPolicy cannot be found."},
		{"service-specific credential", "unrecorded", "ResetServiceSpecificCredential", []string{"UserName", "u", "ServiceSpecificCredentialId", "ACCA" + strings.Repeat("B", 16)}, ""},
	} {
		code, body := query(t, s, tc.action, tc.params...)
		wantError(t, tc.kind+" ("+tc.source+")", code, body, 404, "NoSuchEntity", tc.message)
	}
	// The legitimate calls on the same entities work.
	mustQuery(t, s, "GetUser", "UserName", "u")
	mustQuery(t, s, "AttachRolePolicy", "RoleName", "r", "PolicyArn", acct+"policy/p")
	mustQuery(t, s, "DetachRolePolicy", "RoleName", "r", "PolicyArn", acct+"policy/p")
	mustQuery(t, s, "GetPolicyVersion", "PolicyArn", acct+"policy/p", "VersionId", "v1")
}
