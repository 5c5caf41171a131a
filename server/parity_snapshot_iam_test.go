package server_test

// test_iam's recordings (the main file: September 2023 and 2024): role
// description, trust policy update, a malformed trust policy, attaching
// policies by a wrong ARN, a role with a path, and inline policies whose
// resource holds a URL-encoded ARN.

func init() {
	const file = "iam.json"
	const boundaryDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:ListFunctions"],"Resource":["*"]}]}`
	// A trailing comma after the last member: not JSON.
	const badTrust = `{"Version":"2012-10-17","Statement":[{"Action":"sts:AssumeRole","Principal":"*","Effect":"Allow",}]}`
	const lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Action":"sts:AssumeRole","Principal":{"Service":"lambda.amazonaws.com"},"Effect":"Allow"}]}`
	// quote_plus of an API Gateway ARN, inside another ARN (the recorded
	// tests' region is us-east-1's placeholder).
	const encodedTarget = "arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Faaeeieije"
	const encodedDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["apigatway:PUT"],"Resource":["arn:aws:apigateway:us-east-1::/tags/` + encodedTarget + `"]}]}`
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
	// test_role_managed_policy_errors): iamd keeps the newer answer. The
	// newest test_iam.snapshot.json (4c623ae) still holds the 2023 answers:
	// these two tests were not recorded again.
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
		{file, "TestIAMExtensions::test_role_with_path_lifecycle", []snapStep{
			step("create-role-response", "CreateRole", "RoleName", "role-pl", "AssumeRolePolicyDocument", lambdaTrust, "Path", "/pathab12cd/"),
			step("get-role-response", "GetRole", "RoleName", "role-pl"),
			step("delete-role-response", "DeleteRole", "RoleName", "role-pl"),
		}},
		// The document comes back as it was put: the %3A inside the
		// resource stays encoded, as AWS keeps it.
		{file, "TestIAMPolicyEncoding::test_put_user_policy_encoding", []snapStep{
			createUser("", "user-enc"),
			setup("PutUserPolicy", "UserName", "user-enc", "PolicyName", "policy-enc", "PolicyDocument", encodedDoc),
			step("get-policy-response", "GetUserPolicy", "UserName", "user-enc", "PolicyName", "policy-enc"),
		}},
		{file, "TestIAMPolicyEncoding::test_put_role_policy_encoding", []snapStep{
			setup("CreateRole", "RoleName", "role-enc", "AssumeRolePolicyDocument",
				`{"Version":"2012-10-17","Statement":[{"Action":"sts:AssumeRole","Principal":{"Service":"lambda.amazonaws.com"},"Effect":"Allow","Condition":{"StringEquals":{"aws:SourceArn":"`+encodedTarget+`"}}}]}`),
			setup("PutRolePolicy", "RoleName", "role-enc", "PolicyName", "policy-enc", "PolicyDocument", encodedDoc),
			step("get-policy-response", "GetRolePolicy", "RoleName", "role-enc", "PolicyName", "policy-enc"),
			step("get-role-response", "GetRole", "RoleName", "role-enc"),
		}},
		{file, "TestIAMPolicyEncoding::test_put_group_policy_encoding", []snapStep{
			setup("CreateGroup", "GroupName", "group-enc"),
			setup("PutGroupPolicy", "GroupName", "group-enc", "PolicyName", "policy-enc", "PolicyDocument", encodedDoc),
			step("get-policy-response", "GetGroupPolicy", "GroupName", "group-enc", "PolicyName", "policy-enc"),
		}},
	}...)
}
