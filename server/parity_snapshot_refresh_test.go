package server_test

// Scenarios for tests that the newer recordings of the per-area files
// added (groups at 75184f65, instance profiles at 561a513d), and the one
// OIDC test the earlier scenarios left out.

import (
	"encoding/json"
	"fmt"
)

func init() {
	var tenTags []string
	for i := 0; i < 10; i++ {
		tenTags = append(tenTags, fmt.Sprintf("k%02d", i), fmt.Sprintf("v%d", i))
	}
	oidcTags := "https://oidc-tagsmax.example.com"
	listTags := func(extra ...string) snapStep {
		return step("", "ListOpenIDConnectProviderTags", append([]string{"OpenIDConnectProviderArn", oidcARN + "oidc-tagsmax.example.com"}, extra...)...)
	}
	emr := "arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceforEC2Role"
	snapScenarios = append(snapScenarios, []snapScenario{
		{groupsFile, "TestIAMGroupsPolicies::test_attach_detach_aws_managed_policy_group", []snapStep{
			setup("CreateGroup", "GroupName", "group-aws"),
			step("list-attached-empty", "ListAttachedGroupPolicies", "GroupName", "group-aws"),
			setup("AttachGroupPolicy", "GroupName", "group-aws", "PolicyArn", emr),
			step("list-attached-after-attach", "ListAttachedGroupPolicies", "GroupName", "group-aws"),
			setup("DetachGroupPolicy", "GroupName", "group-aws", "PolicyArn", emr),
			step("list-attached-after-detach", "ListAttachedGroupPolicies", "GroupName", "group-aws"),
		}},
		{profilesFile, "TestInstanceProfileRoles::test_list_instance_profiles_for_role", []snapStep{
			createRole("", "role-pr"),
			createRole("", "role-pr-none"),
			createProfile("", "profile-pr-a"),
			createProfile("", "profile-pr-b"),
			setup("AddRoleToInstanceProfile", "InstanceProfileName", "profile-pr-a", "RoleName", "role-pr"),
			setup("AddRoleToInstanceProfile", "InstanceProfileName", "profile-pr-b", "RoleName", "role-pr"),
			step("list-for-role", "ListInstanceProfilesForRole", "RoleName", "role-pr"),
			step("list-for-role-empty", "ListInstanceProfilesForRole", "RoleName", "role-pr-none"),
		}},
		{oidcFile, "TestOIDCProviderTags::test_list_open_id_connect_provider_tags_max_items", []snapStep{
			createOIDC("", oidcTags, join(thumbs("a"), tagParams(tenTags...))...),
			listTags("MaxItems", "4").withSave("page1"),
			listTags("Marker", "${page1.Marker}", "MaxItems", "4").withSave("page2"),
			// The recording kept the last page's tag count and whether it
			// carries a Marker.
			{key: "final-page", action: "ListOpenIDConnectProviderTags", params: []string{"OpenIDConnectProviderArn", oidcARN + "oidc-tagsmax.example.com", "Marker", "${page2.Marker}"},
				pick: func(_ *snapRun, a map[string]any) any {
					tags, _ := a["Tags"].([]any)
					_, marker := a["Marker"]
					return map[string]any{"tag_count": json.Number(fmt.Sprint(len(tags))), "has_marker": marker}
				}},
		}},
	}...)
}
