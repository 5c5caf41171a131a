package server_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/server"
)

// Service control policies bound a member account's root user on IAM's
// own calls too, as on AWS: testSCPs deny iam:DeleteUser, so root's
// DeleteUser is refused with the SCP named and the user stays, while
// what the SCPs allow (CreateUser) still works. Without SCPs root may do
// everything in its account.
func TestSecuritySCPsBoundRootOnIAM(t *testing.T) {
	inst := testServerWith(t, func(o *server.Options) { o.SCPs = map[string][]string{testAccount: testSCPs} })
	root := iamClient(inst, rootKey, rootSecret)
	must[*iam.CreateUserOutput](t)(root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("kept")}))
	_, err := root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("kept")})
	wantErr(t, err, "AccessDenied", 403)
	want := "User: arn:aws:iam::123456789012:root is not authorized to perform: iam:DeleteUser on resource: arn:aws:iam::123456789012:user/kept with an explicit deny in a service control policy"
	if apiMessage(err) != want {
		t.Fatalf("message %q\nwant    %q", apiMessage(err), want)
	}
	if _, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("kept")}); err != nil {
		t.Fatalf("the user is gone: %v", err)
	}

	free := testServer(t)
	freeRoot := iamClient(free, rootKey, rootSecret)
	must[*iam.CreateUserOutput](t)(freeRoot.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("gone")}))
	must[*iam.DeleteUserOutput](t)(freeRoot.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("gone")}))
}
