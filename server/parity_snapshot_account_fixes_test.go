package server_test

// Issue 18: the behaviours TestParitySnapshots found in the account's own
// settings and devices (parity_snapshot_account_test.go), each held beyond
// the one recorded call.

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// Several violations are listed as AWS lists them (recorded: minimum
// length, reuse prevention, maximum age), not in the model's order; a
// refused update leaves the policy as it was.
func TestParityPasswordPolicyViolationOrder(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	must[*iam.UpdateAccountPasswordPolicyOutput](t)(c.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(12), MaxPasswordAge: aws.Int32(90)}))
	const (
		minLen = "Value at 'minimumPasswordLength' failed to satisfy constraint: Member must have value less than or equal to 128"
		minLo  = "Value at 'minimumPasswordLength' failed to satisfy constraint: Member must have value greater than or equal to 6"
		reuse  = "Value at 'passwordReusePrevention' failed to satisfy constraint: Member must have value less than or equal to 24"
		maxAge = "Value at 'maxPasswordAge' failed to satisfy constraint: Member must have value less than or equal to 1095"
	)
	for _, tc := range []struct {
		name string
		in   iam.UpdateAccountPasswordPolicyInput
		want string
	}{
		{"all three (recorded)", iam.UpdateAccountPasswordPolicyInput{MaxPasswordAge: aws.Int32(1096), MinimumPasswordLength: aws.Int32(129), PasswordReusePrevention: aws.Int32(25)},
			"3 validation errors detected: " + minLen + "; " + reuse + "; " + maxAge},
		{"length and age", iam.UpdateAccountPasswordPolicyInput{MaxPasswordAge: aws.Int32(1096), MinimumPasswordLength: aws.Int32(129)},
			"2 validation errors detected: " + minLen + "; " + maxAge},
		{"age and reuse", iam.UpdateAccountPasswordPolicyInput{MaxPasswordAge: aws.Int32(1096), PasswordReusePrevention: aws.Int32(25)},
			"2 validation errors detected: " + reuse + "; " + maxAge},
		{"too short a minimum", iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(5)},
			"1 validation error detected: " + minLo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.UpdateAccountPasswordPolicy(ctx, &tc.in)
			wantErr(t, err, "ValidationError", 400)
			if got := apiMessage(err); got != tc.want {
				t.Errorf("message\n%s\nwant\n%s", got, tc.want)
			}
			p := must[*iam.GetAccountPasswordPolicyOutput](t)(c.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})).PasswordPolicy
			if aws.ToInt32(p.MinimumPasswordLength) != 12 || aws.ToInt32(p.MaxPasswordAge) != 90 || p.PasswordReusePrevention != nil {
				t.Errorf("a refused update changed the policy: %+v", p)
			}
		})
	}
}

// HardExpiry is in GetAccountPasswordPolicy's answer only when the last
// update gave it (recorded: left out after an update with the defaults,
// true after one that set it).
func TestParityPasswordPolicyHardExpiry(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	for _, tc := range []struct {
		name        string
		in          iam.UpdateAccountPasswordPolicyInput
		hard        *bool // nil: left out
		expire      bool
		maxAgeIsSet bool
	}{
		{"defaults", iam.UpdateAccountPasswordPolicyInput{}, nil, false, false},
		{"hard expiry set", iam.UpdateAccountPasswordPolicyInput{HardExpiry: aws.Bool(true), MaxPasswordAge: aws.Int32(60)}, aws.Bool(true), true, true},
		{"an age alone", iam.UpdateAccountPasswordPolicyInput{MaxPasswordAge: aws.Int32(30)}, nil, true, true},
		{"hard expiry false given", iam.UpdateAccountPasswordPolicyInput{HardExpiry: aws.Bool(false)}, aws.Bool(false), false, false},
		{"defaults again", iam.UpdateAccountPasswordPolicyInput{}, nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			must[*iam.UpdateAccountPasswordPolicyOutput](t)(c.UpdateAccountPasswordPolicy(ctx, &tc.in))
			p := must[*iam.GetAccountPasswordPolicyOutput](t)(c.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})).PasswordPolicy
			if (p.HardExpiry == nil) != (tc.hard == nil) || p.HardExpiry != nil && *p.HardExpiry != *tc.hard {
				t.Errorf("HardExpiry %v, want %v", p.HardExpiry, tc.hard)
			}
			if p.ExpirePasswords != tc.expire || (p.MaxPasswordAge != nil) != tc.maxAgeIsSet {
				t.Errorf("ExpirePasswords %v MaxPasswordAge %v", p.ExpirePasswords, p.MaxPasswordAge)
			}
			if aws.ToInt32(p.MinimumPasswordLength) != 6 {
				t.Errorf("MinimumPasswordLength %v, want the default 6", aws.ToInt32(p.MinimumPasswordLength))
			}
		})
	}
}

// DeactivateMFADevice answers for the user before the device (recorded:
// a missing user is "The user with name X cannot be found." whatever the
// serial); a refusal leaves the device enabled for its user.
func TestParityDeactivateMFAUserFirst(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	for _, u := range []string{"alice", "bob"} {
		must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}))
	}
	serial, _ := enableMFA(t, c, "alice")
	missing := "arn:aws:iam::" + testAccount + ":mfa/nonexistent-mfa"
	for _, tc := range []struct {
		name, user, serial, want string
	}{
		{"missing user, real device", "nobody", serial, "The user with name nobody cannot be found."},
		{"missing user, missing device", "nobody", missing, "The user with name nobody cannot be found."},
		{"real user, missing device", "bob", missing, "MFA Device with serial number " + missing + " does not exist."},
		{"another user's device", "bob", serial, "MFA Device with serial number " + serial + " is not assigned to user bob."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: aws.String(tc.user), SerialNumber: aws.String(tc.serial)})
			wantErr(t, err, "NoSuchEntity", 404)
			if got := apiMessage(err); got != tc.want {
				t.Errorf("message %q, want %q", got, tc.want)
			}
			devs := must[*iam.ListMFADevicesOutput](t)(c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("alice")})).MFADevices
			if len(devs) != 1 || *devs[0].SerialNumber != serial {
				t.Fatalf("a refused deactivation changed alice's devices: %+v", devs)
			}
		})
	}
	// Alice's own deactivation still works.
	must[*iam.DeactivateMFADeviceOutput](t)(c.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String(serial)}))
	if devs := must[*iam.ListMFADevicesOutput](t)(c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("alice")})).MFADevices; len(devs) != 0 {
		t.Fatalf("still enabled: %+v", devs)
	}
}

// GetSAMLProvider always sends AssertionEncryptionMode and PrivateKeyList
// (recorded: "Allowed" and an empty list), before and after an update.
func TestParityGetSAMLProviderEncryptionFields(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	doc := samlMetadata(time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339))
	arn := *must[*iam.CreateSAMLProviderOutput](t)(c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("idp"), SAMLMetadataDocument: aws.String(doc)})).SAMLProviderArn
	for _, tc := range []struct {
		name   string
		update bool
	}{{"created", false}, {"updated", true}} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.update {
				must[*iam.UpdateSAMLProviderOutput](t)(c.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: aws.String(arn),
					SAMLMetadataDocument: aws.String(strings.Replace(doc, "idp.example.com", "updated-idp.example.com", 1))}))
			}
			out := must[*iam.GetSAMLProviderOutput](t)(c.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(arn)}))
			if out.AssertionEncryptionMode != types.AssertionEncryptionModeTypeAllowed || len(out.PrivateKeyList) != 0 {
				t.Errorf("AssertionEncryptionMode %q PrivateKeyList %v", out.AssertionEncryptionMode, out.PrivateKeyList)
			}
			// On the wire, the empty list is there, not left out.
			form := url.Values{"Action": {"GetSAMLProvider"}, "Version": {"2010-05-08"}, "SAMLProviderArn": {arn}}.Encode()
			status, body := rawCall(t, s.URL, form, rootKey, rootSecret, "iam", "us-east-1", time.Now())
			if status != 200 || !strings.Contains(body, "<AssertionEncryptionMode>Allowed</AssertionEncryptionMode>") ||
				!strings.Contains(body, "<PrivateKeyList") {
				t.Errorf("%d %s", status, body)
			}
		})
	}
	// A missing provider is still refused.
	_, err := c.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String("arn:aws:iam::" + testAccount + ":saml-provider/NonExistentProvider")})
	wantErr(t, err, "NoSuchEntity", 404)
}
