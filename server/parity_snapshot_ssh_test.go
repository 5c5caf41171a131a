package server_test

// TestParitySnapshots' scenarios for LocalStack's recording of IAM's SSH
// public keys (testdata/snapshots/iam_ssh_public_keys.json).

const sshFile = "iam_ssh_public_keys.json"

// missingSSHKey is the id the recorded tests ask for: APKA and 17 more,
// an id no key has.
const missingSSHKey = "APKAXXXXXXXXXXXXXXXXX"

func uploadSSH(key, user string) snapStep {
	return step(key, "UploadSSHPublicKey", "UserName", user, "SSHPublicKeyBody", "${gen.SSHPublicKey}")
}

func init() {
	snapScenarios = append(snapScenarios, []snapScenario{
		{sshFile, "TestSSHPublicKeys::test_upload_ssh_public_key", []snapStep{
			createUser("", "user-ssh-up"),
			uploadSSH("upload-response", "user-ssh-up"),
		}},
		{sshFile, "TestSSHPublicKeys::test_get_ssh_public_key", []snapStep{
			createUser("", "user-ssh-get"),
			uploadSSH("", "user-ssh-get").withSave("key"),
			step("get-response", "GetSSHPublicKey", "UserName", "user-ssh-get", "SSHPublicKeyId", "${key.SSHPublicKey.SSHPublicKeyId}", "Encoding", "SSH"),
		}},
		{sshFile, "TestSSHPublicKeys::test_get_ssh_public_key_not_found", []snapStep{
			createUser("", "user-ssh-nf"),
			step("get-not-found", "GetSSHPublicKey", "UserName", "user-ssh-nf", "SSHPublicKeyId", missingSSHKey, "Encoding", "SSH"),
		}},
		{sshFile, "TestSSHPublicKeys::test_list_ssh_public_keys", []snapStep{
			createUser("", "user-ssh-ls"),
			step("list-empty", "ListSSHPublicKeys", "UserName", "user-ssh-ls"),
			uploadSSH("", "user-ssh-ls"),
			step("list-with-key", "ListSSHPublicKeys", "UserName", "user-ssh-ls"),
		}},
		{sshFile, "TestSSHPublicKeys::test_update_ssh_public_key", []snapStep{
			createUser("", "user-ssh-upd"),
			uploadSSH("", "user-ssh-upd").withSave("key"),
			step("update-response", "UpdateSSHPublicKey", "UserName", "user-ssh-upd", "SSHPublicKeyId", "${key.SSHPublicKey.SSHPublicKeyId}", "Status", "Inactive"),
			step("get-after-update", "GetSSHPublicKey", "UserName", "user-ssh-upd", "SSHPublicKeyId", "${key.SSHPublicKey.SSHPublicKeyId}", "Encoding", "SSH"),
		}},
		{sshFile, "TestSSHPublicKeys::test_update_ssh_public_key_not_found", []snapStep{
			createUser("", "user-ssh-unf"),
			step("update-not-found", "UpdateSSHPublicKey", "UserName", "user-ssh-unf", "SSHPublicKeyId", missingSSHKey, "Status", "Inactive"),
		}},
		{sshFile, "TestSSHPublicKeys::test_delete_ssh_public_key", []snapStep{
			createUser("", "user-ssh-del"),
			uploadSSH("", "user-ssh-del").withSave("key"),
			setup("ListSSHPublicKeys", "UserName", "user-ssh-del"),
			step("delete-response", "DeleteSSHPublicKey", "UserName", "user-ssh-del", "SSHPublicKeyId", "${key.SSHPublicKey.SSHPublicKeyId}"),
			step("list-after-delete", "ListSSHPublicKeys", "UserName", "user-ssh-del"),
		}},
		{sshFile, "TestSSHPublicKeys::test_delete_ssh_public_key_not_found", []snapStep{
			createUser("", "user-ssh-dnf"),
			step("delete-not-found", "DeleteSSHPublicKey", "UserName", "user-ssh-dnf", "SSHPublicKeyId", missingSSHKey),
		}},
	}...)
}
