package server_test

// TestParitySnapshots' scenarios for the account's own settings and
// devices: account aliases, the password policy, MFA devices and SAML
// providers (LocalStack's recordings in testdata/snapshots/iam_account_aliases,
// iam_account_password_policy, iam_mfa and iam_saml_providers).

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/iamd/iamd/totp"
)

func init() {
	snapScenarios = append(snapScenarios, snapAccountScenarios()...)
	// A transformer replaced every seed and QR code by one constant.
	freePlaceholders["<base32-seed>"] = true
	freePlaceholders["<qr-code-png>"] = true
}

const (
	aliasesFile  = "iam_account_aliases.json"
	passwordFile = "iam_account_password_policy.json"
	mfaFile      = "iam_mfa.json"
	samlFile     = "iam_saml_providers.json"
	snapMFAArn   = snapArn + "mfa/"
)

// snapCodesOf are two consecutive codes of the virtual MFA device created in
// the answer named dev.
func snapCodesOf(dev string) func(r *snapRun) []string {
	return func(r *snapRun) []string {
		seed, ok := lookupPath(r.answers[dev], "VirtualMFADevice.Base32StringSeed")
		if !ok {
			r.t.Fatalf("no MFA seed in %s", dev)
		}
		n := totpCounter(r.t)
		c1, err1 := totp.Code(fmt.Sprint(seed), n-1)
		c2, err2 := totp.Code(fmt.Sprint(seed), n)
		if err1 != nil || err2 != nil {
			r.t.Fatal(err1, err2)
		}
		return []string{"AuthenticationCode1", c1, "AuthenticationCode2", c2}
	}
}

func snapEnableMFA(key, user, dev string) snapStep {
	return snapStep{key: key, action: "EnableMFADevice", params: []string{"UserName", user, "SerialNumber", "${" + dev + ".VirtualMFADevice.SerialNumber}"}, dyn: snapCodesOf(dev)}
}

func snapCreateMFA(key, name string, extra ...string) snapStep {
	return step(key, "CreateVirtualMFADevice", append([]string{"VirtualMFADeviceName", name}, extra...)...)
}

// ownDevices is what the recorded test kept of a ListVirtualMFADevices
// answer: the devices it created (in the answers named devs), sorted by
// serial number.
func snapOwnDevices(devs ...string) func(r *snapRun, a map[string]any) any {
	return func(r *snapRun, a map[string]any) any {
		own := map[string]bool{}
		for _, d := range devs {
			if s, ok := lookupPath(r.answers[d], "VirtualMFADevice.SerialNumber"); ok {
				own[fmt.Sprint(s)] = true
			}
		}
		out := map[string]any{}
		for k, v := range a {
			out[k] = v
		}
		kept := []any{}
		list, _ := a["VirtualMFADevices"].([]any)
		for _, d := range list {
			if m, _ := d.(map[string]any); own[fmt.Sprint(m["SerialNumber"])] {
				kept = append(kept, d)
			}
		}
		sort.SliceStable(kept, func(i, j int) bool {
			return fmt.Sprint(kept[i].(map[string]any)["SerialNumber"]) < fmt.Sprint(kept[j].(map[string]any)["SerialNumber"])
		})
		out["VirtualMFADevices"] = kept
		return out
	}
}

func snapListVirtual(key, status string, devs ...string) snapStep {
	s := step(key, "ListVirtualMFADevices", "AssignmentStatus", status)
	if len(devs) > 0 {
		s.pick = snapOwnDevices(devs...)
	}
	return s
}

func snapCreateSAML(key, name, doc string) snapStep {
	return step(key, "CreateSAMLProvider", "Name", name, "SAMLMetadataDocument", doc)
}

func snapAccountScenarios() []snapScenario {
	var out []snapScenario
	out = append(out,
		snapScenario{aliasesFile, "TestIAMAccountAliases::test_account_alias_lifecycle", []snapStep{
			setup("ListAccountAliases"),
			step("create-alias", "CreateAccountAlias", "AccountAlias", "alias-3f9c2a"),
			setup("ListAccountAliases"),
			step("delete-alias", "DeleteAccountAlias", "AccountAlias", "alias-3f9c2a"),
			setup("ListAccountAliases"),
		}},

		snapScenario{passwordFile, "TestAccountPasswordPolicy::test_update_account_password_policy_defaults", []snapStep{
			step("update", "UpdateAccountPasswordPolicy"),
			step("password-policy-defaults", "GetAccountPasswordPolicy"),
		}},
		snapScenario{passwordFile, "TestAccountPasswordPolicy::test_update_account_password_policy_custom_values", []snapStep{
			setup("UpdateAccountPasswordPolicy", "AllowUsersToChangePassword", "true", "HardExpiry", "true", "MaxPasswordAge", "60",
				"MinimumPasswordLength", "10", "PasswordReusePrevention", "3", "RequireLowercaseCharacters", "true",
				"RequireNumbers", "true", "RequireSymbols", "true", "RequireUppercaseCharacters", "true"),
			step("password-policy-custom", "GetAccountPasswordPolicy"),
		}},
		snapScenario{passwordFile, "TestAccountPasswordPolicy::test_update_account_password_policy_validation_errors", []snapStep{
			step("validation-errors", "UpdateAccountPasswordPolicy", "MaxPasswordAge", "1096", "MinimumPasswordLength", "129", "PasswordReusePrevention", "25"),
		}},
		snapScenario{passwordFile, "TestAccountPasswordPolicy::test_get_account_password_policy_not_found", []snapStep{
			setup("DeleteAccountPasswordPolicy"),
			step("policy-not-found", "GetAccountPasswordPolicy"),
		}},
		snapScenario{passwordFile, "TestAccountPasswordPolicy::test_delete_account_password_policy", []snapStep{
			setup("UpdateAccountPasswordPolicy"),
			setup("GetAccountPasswordPolicy"),
			step("delete-response", "DeleteAccountPasswordPolicy"),
			step("policy-deleted-not-found", "GetAccountPasswordPolicy"),
		}},
		snapScenario{passwordFile, "TestAccountPasswordPolicy::test_delete_account_password_policy_not_found", []snapStep{
			setup("DeleteAccountPasswordPolicy"),
			step("delete-not-found", "DeleteAccountPasswordPolicy"),
		}},

		snapScenario{mfaFile, "TestVirtualMfaDevice::test_list_virtual_mfa_devices", []snapStep{
			snapCreateMFA("create-virtual-mfa-device-0", "mfa-list-0-a1b2"),
			snapCreateMFA("create-virtual-mfa-device-1", "mfa-list-1-c3d4"),
			snapCreateMFA("create-virtual-mfa-device-2", "mfa-list-2-e5f6"),
			snapListVirtual("list-unassigned", "Unassigned", "create-virtual-mfa-device-0", "create-virtual-mfa-device-1", "create-virtual-mfa-device-2"),
			snapListVirtual("list-assigned", "Assigned", "create-virtual-mfa-device-0", "create-virtual-mfa-device-1", "create-virtual-mfa-device-2"),
			snapListVirtual("list-any", "Any", "create-virtual-mfa-device-0", "create-virtual-mfa-device-1", "create-virtual-mfa-device-2"),
			setup("ListVirtualMFADevices", "MaxItems", "1").withSave("page"),
			setup("ListVirtualMFADevices", "MaxItems", "1", "Marker", "${page.Marker}"),
			step("list-invalid-marker-error", "ListVirtualMFADevices", "Marker", "invalid-marker-value"),
		}},
	)
	for _, c := range []struct{ id, path string }{{"None", ""}, {"/", "/"}, {"/test-path/", "/test-path/"}, {"/test//double/", "/test//double/"}} {
		var extra []string
		if c.path != "" {
			extra = []string{"Path", c.path}
		}
		out = append(out, snapScenario{mfaFile, "TestVirtualMfaDevice::test_virtual_mfa_device_lifecycle[" + c.id + "]", []snapStep{
			snapCreateMFA("create-mfa-device", "mfa-9e1d7c", extra...),
			{key: "list-mfa-devices", action: "ListVirtualMFADevices", pick: snapOwnDevices("create-mfa-device")},
			step("delete-mfa-device", "DeleteVirtualMFADevice", "SerialNumber", "${create-mfa-device.VirtualMFADevice.SerialNumber}"),
			setup("ListVirtualMFADevices"),
		}})
	}
	out = append(out,
		snapScenario{mfaFile, "TestVirtualMfaDevice::test_virtual_mfa_device_errors", []snapStep{
			snapCreateMFA("create-mfa-device", "mfa-4b8e21"),
			snapCreateMFA("create-duplicate-error", "mfa-4b8e21"),
			snapCreateMFA("create-invalid-path-no-leading-slash-error", "mfa-5a0f13", "Path", "invalid-path/"),
			snapCreateMFA("create-invalid-path-no-trailing-slash-error", "mfa-6c2d94", "Path", "/invalid-path"),
			snapCreateMFA("create-path-too-long-error", "mfa-7e3b05", "Path", "/"+strings.Repeat("a", 512)+"/"),
			step("delete-nonexistent-error", "DeleteVirtualMFADevice", "SerialNumber", snapMFAArn+"nonexistent-device"),
		}},
		snapScenario{mfaFile, "TestVirtualMfaDevice::test_enable_mfa_device_errors", []snapStep{
			snapCreateMFA("", "mfa-0d9a6f").withSave("dev"),
			step("enable-mfa-nonexistent-user-error", "EnableMFADevice", "UserName", "nonexistent-user", "SerialNumber", "${dev.VirtualMFADevice.SerialNumber}",
				"AuthenticationCode1", "123456", "AuthenticationCode2", "654321"),
			step("deactivate-mfa-nonexistent-user-error", "DeactivateMFADevice", "UserName", "nonexistent-user", "SerialNumber", "${dev.VirtualMFADevice.SerialNumber}"),
			createUser("", "user-e7c1"),
			step("deactivate-nonexistent-mfa-error", "DeactivateMFADevice", "UserName", "user-e7c1", "SerialNumber", snapMFAArn+"nonexistent-mfa"),
		}},
		snapScenario{mfaFile, "TestVirtualMfaDevice::test_enable_virtual_mfa_device", []snapStep{
			createUser("create-user", "user-3a7f"),
			snapCreateMFA("create-mfa-device", "mfa-2f6b90"),
			step("list-mfa-devices-before", "ListMFADevices", "UserName", "user-3a7f"),
			snapEnableMFA("enable-mfa-device", "user-3a7f", "create-mfa-device"),
			step("list-mfa-devices-after", "ListMFADevices", "UserName", "user-3a7f"),
			snapListVirtual("list-assigned-with-user", "Assigned", "create-mfa-device"),
			setup("ListVirtualMFADevices", "AssignmentStatus", "Unassigned"),
			step("deactivate-mfa-device", "DeactivateMFADevice", "UserName", "user-3a7f", "SerialNumber", "${create-mfa-device.VirtualMFADevice.SerialNumber}"),
			step("list-mfa-devices-after-deactivate", "ListMFADevices", "UserName", "user-3a7f"),
			// The recorded test kept the whole Assigned list here.
			snapListVirtual("list-unassigned-after-deactivation", "Assigned"),
		}},
		// The recording shows only the refusal: a device enabled for one
		// user, then offered for another.
		snapScenario{mfaFile, "TestVirtualMfaDevice::test_enable_mfa_device_already_attached", []snapStep{
			createUser("", "user-att-1"),
			createUser("", "user-att-2"),
			snapCreateMFA("", "mfa-att").withSave("dev"),
			snapEnableMFA("", "user-att-1", "dev"),
			snapEnableMFA("enable-mfa-already-attached-error", "user-att-2", "dev"),
		}},
	)

	doc := samlMetadata(time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339))
	updated := strings.Replace(doc, "idp.example.com", "updated-idp.example.com", 1)
	missing := snapArn + "saml-provider/NonExistentProvider"
	out = append(out,
		snapScenario{samlFile, "TestSAMLProviders::test_create_saml_provider", []snapStep{
			snapCreateSAML("create-response", "TestSAMLProvider-8c1e", doc),
		}},
		snapScenario{samlFile, "TestSAMLProviders::test_get_saml_provider", []snapStep{
			snapCreateSAML("", "TestSAMLProvider-1f3a", doc).withSave("p"),
			step("get-response", "GetSAMLProvider", "SAMLProviderArn", "${p.SAMLProviderArn}"),
		}},
		snapScenario{samlFile, "TestSAMLProviders::test_get_saml_provider_not_found", []snapStep{
			step("get-not-found", "GetSAMLProvider", "SAMLProviderArn", missing),
		}},
		snapScenario{samlFile, "TestSAMLProviders::test_update_saml_provider", []snapStep{
			snapCreateSAML("", "TestSAMLProvider-5d2b", doc).withSave("p"),
			step("update-response", "UpdateSAMLProvider", "SAMLProviderArn", "${p.SAMLProviderArn}", "SAMLMetadataDocument", updated),
			step("get-after-update", "GetSAMLProvider", "SAMLProviderArn", "${p.SAMLProviderArn}"),
		}},
		snapScenario{samlFile, "TestSAMLProviders::test_list_saml_providers", []snapStep{
			setup("ListSAMLProviders"),
			snapCreateSAML("", "TestSAMLProvider-7a4c", doc),
			// The recorded test kept the list's entries for its provider.
			{key: "list-response", action: "ListSAMLProviders", pick: func(_ *snapRun, a map[string]any) any {
				kept := []any{}
				list, _ := a["SAMLProviderList"].([]any)
				for _, p := range list {
					if m, _ := p.(map[string]any); strings.Contains(fmt.Sprint(m["Arn"]), "TestSAMLProvider-7a4c") {
						kept = append(kept, p)
					}
				}
				return kept
			}},
		}},
		snapScenario{samlFile, "TestSAMLProviders::test_delete_saml_provider", []snapStep{
			snapCreateSAML("", "TestSAMLProvider-9b6d", doc).withSave("p"),
			setup("ListSAMLProviders"),
			step("delete-response", "DeleteSAMLProvider", "SAMLProviderArn", "${p.SAMLProviderArn}"),
			setup("ListSAMLProviders"),
		}},
		snapScenario{samlFile, "TestSAMLProviders::test_delete_saml_provider_not_found", []snapStep{
			step("delete-not-found", "DeleteSAMLProvider", "SAMLProviderArn", missing),
		}},
	)
	return out
}
