package server_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// A KMS call naming a key by alias is authorized on the key the alias
// names, as AWS does: a Deny on the key's ARN holds however the caller
// names the key, an Allow on it lets the alias spelling through, and an
// alias moved through the gateway counts from the next call.
func TestGatewayKMSAliasResolvedToKey(t *testing.T) {
	inst, _, _ := gatewayServer(t, "")
	root := iamClient(inst, rootKey, rootSecret)
	admin := kms.NewFromConfig(awsConfig(inst.URL, rootKey, rootSecret, ""))
	keyA := must[*kms.CreateKeyOutput](t)(admin.CreateKey(ctx, &kms.CreateKeyInput{}))
	keyB := must[*kms.CreateKeyOutput](t)(admin.CreateKey(ctx, &kms.CreateKeyInput{}))
	arnB := aws.ToString(keyB.KeyMetadata.Arn)
	must[*kms.CreateAliasOutput](t)(admin.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: keyA.KeyMetadata.KeyId}))

	k, s := gwUser(t, inst, root, "app", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"kms:Encrypt","Resource":"arn:aws:kms:us-east-1:123456789012:key/*"},
		{"Effect":"Deny","Action":"kms:Encrypt","Resource":"`+arnB+`"}]}`)
	app := kms.NewFromConfig(awsConfig(inst.URL, k, s, ""))
	encrypt := func(keyID string) error {
		_, err := app.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("x")})
		return err
	}
	// The alias names key A: allowed by the grant on keys, which no alias
	// ARN matches.
	for _, id := range []string{"alias/app", "arn:aws:kms:us-east-1:123456789012:alias/app"} {
		if err := encrypt(id); err != nil {
			t.Fatalf("%s (key A): %v", id, err)
		}
	}
	if err := encrypt(arnB); err == nil {
		t.Fatal("key B by ARN: allowed past the Deny")
	}
	// The alias moved to key B: the Deny on B holds for the alias too.
	must[*kms.UpdateAliasOutput](t)(admin.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: keyB.KeyMetadata.KeyId}))
	err := encrypt("alias/app")
	wantErr(t, err, "AccessDeniedException", 400)
	if m := apiMessage(err); m != "User: arn:aws:iam::123456789012:user/app is not authorized to perform: kms:Encrypt on resource: "+arnB+" with an explicit deny in an identity-based policy" {
		t.Fatalf("message %q", m)
	}
}
