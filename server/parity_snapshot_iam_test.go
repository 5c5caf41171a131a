package server_test

// test_iam's recordings (the main file, September 2023): role
// description, trust policy update, a malformed trust policy, and
// attaching policies by a wrong ARN.

func init() {
	const file = "iam.json"
	const boundaryDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:ListFunctions"],"Resource":["*"]}]}`
	// A trailing comma after the last member: not JSON.
	const badTrust = `{"Version":"2012-10-17","Statement":[{"Action":"sts:AssumeRole","Principal":"*","Effect":"Allow",}]}`
	listDoc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}`
	attach := func(action, nameParam, name string, create snapStep) []snapStep {
		return []snapStep{
			create,
			step("create_policy_response", "CreatePolicy", "PolicyName", "policy-at", "PolicyDocument", boundaryDoc),
			step("non_existent_malformed_policy_arn", action, nameParam, name, "PolicyArn", "longpolicynamebutnoarn"),
			step("existing_policy_name_provided", action, nameParam, name, "PolicyArn", "policy-at"),
			step("valid_arn_not_existent", action, nameParam, name, "PolicyArn", "${create_policy_response.Policy.Arn}123"),
			step("valid_policy_arn", action, nameParam, name, "PolicyArn", "${create_policy_response.Policy.Arn}"),
		}
	}
	// AWS answered a malformed policy ARN with InvalidInput in September
	// 2023 and with ValidationError in February 2026 (iam_roles.json,
	// test_role_managed_policy_errors): iamd keeps the newer answer.
	superseded := "superseded by a newer recording: AWS's code for a malformed policy ARN is ValidationError since (iam_roles.json, February 2026)"
	for _, t := range []string{"test_role_attach_policy", "test_user_attach_policy"} {
		for _, k := range []string{"non_existent_malformed_policy_arn", "existing_policy_name_provided"} {
			snapAllowList["TestIAMIntegrations::"+t+"/"+k] = superseded
		}
	}
	snapScenarios = append(snapScenarios, []snapScenario{
		{file, "TestIAMIntegrations::test_update_assume_role_policy", []snapStep{
			step("created_role", "CreateRole", "RoleName", "role-uar", "AssumeRolePolicyDocument", listDoc),
			step("updated_policy", "UpdateAssumeRolePolicy", "RoleName", "role-uar", "PolicyDocument", listDoc),
		}},
		{file, "TestIAMExtensions::test_create_role_with_malformed_assume_role_policy_document", []snapStep{
			step("invalid-json", "CreateRole", "RoleName", "role-bad", "AssumeRolePolicyDocument", badTrust),
		}},
		{file, "TestIAMIntegrations::test_list_roles_with_permission_boundary", []snapStep{
			createRole("created_role", "role-lb", "Path", "/pfx-lb/"),
			step("", "CreatePolicy", "PolicyName", "boundary-lb", "PolicyDocument", boundaryDoc).withSave("policy"),
			setup("PutRolePermissionsBoundary", "RoleName", "role-lb", "PermissionsBoundary", "${policy.Policy.Arn}"),
			// ListRoles leaves the boundary out, as AWS does.
			step("list_roles_result", "ListRoles", "PathPrefix", "/pfx-lb/"),
		}},
		{file, "TestIAMIntegrations::test_create_describe_role", []snapStep{
			createRole("create_role_result", "role-cd", "Path", "/pfx-cd/"),
			step("get_role_result", "GetRole", "RoleName", "role-cd"),
			step("list_roles_result", "ListRoles", "PathPrefix", "/pfx-cd/"),
		}},
		{file, "TestIAMIntegrations::test_role_attach_policy", attach("AttachRolePolicy", "RoleName", "role-at", createRole("", "role-at"))},
		{file, "TestIAMIntegrations::test_user_attach_policy", attach("AttachUserPolicy", "UserName", "user-at", createUser("", "user-at"))},
	}...)
}
