package server_test

// Scenarios for tests that the newer recordings of the per-area files
// added (groups at 75184f65, instance profiles at 561a513d).

func init() {
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
	}...)
}
