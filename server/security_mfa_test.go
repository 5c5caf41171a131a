package server_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/server"
	"github.com/iamd/iamd/totp"
)

const (
	badMFACode   = "MultiFactorAuthentication failed with invalid MFA one time pass code."
	badMFASerial = "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user."
)

// mfaFixture is a server on a settable clock with an audit log, a user
// "ops" with an access key and an enabled virtual MFA device.
type mfaFixture struct {
	s      *server.Instance
	clk    *clock
	log    *syncBuffer
	root   *iam.Client
	sts    *sts.Client
	serial *string
	seed   string
}

func newMFAFixture(t *testing.T) *mfaFixture {
	t.Helper()
	f := &mfaFixture{clk: &clock{}, log: &syncBuffer{}}
	f.s = testServerWith(t, func(o *server.Options) { o.Now, o.AuditLog = f.clk.now, f.log })
	f.root = iamClient(f.s, rootKey, rootSecret)
	_, key, secret := newUser(t, f.s, f.root, "ops")
	f.sts = stsClient(f.s, key, secret, "")
	dev := must[*iam.CreateVirtualMFADeviceOutput](t)(f.root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("ops")}))
	f.serial, f.seed = dev.VirtualMFADevice.SerialNumber, string(dev.VirtualMFADevice.Base32StringSeed)
	n := f.counter()
	must[*iam.EnableMFADeviceOutput](t)(f.root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("ops"), SerialNumber: f.serial,
		AuthenticationCode1: f.code(t, n-3), AuthenticationCode2: f.code(t, n-2)}))
	return f
}

func (f *mfaFixture) counter() int64 { return totp.Counter(f.clk.now()) }

func (f *mfaFixture) code(t *testing.T, n int64) *string {
	t.Helper()
	c, err := totp.Code(f.seed, n)
	if err != nil {
		t.Fatal(err)
	}
	return aws.String(c)
}

// wrong returns a code that no step within ten of now produces.
func (f *mfaFixture) wrong(t *testing.T, i int) *string {
	t.Helper()
	valid := map[string]bool{}
	for d := int64(-10); d <= 10; d++ {
		valid[*f.code(t, f.counter()+d)] = true
	}
	for ; ; i++ {
		if c := fmt.Sprintf("%06d", (i*7919)%1000000); !valid[c] {
			return aws.String(c)
		}
	}
}

func (f *mfaFixture) signIn(code *string) error {
	_, err := f.sts.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: f.serial, TokenCode: code})
	return err
}

// mfaFailures counts the audit log's records of refused codes by reason.
func (f *mfaFixture) mfaFailures(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, ev := range f.log.events(t) {
		if r := ev.AdditionalEventData["MFAFailure"]; r != "" {
			if ev.ErrorCode == "" || ev.RequestParameters["TokenCode"] != "" || ev.RequestParameters["AuthenticationCode1"] != "" {
				t.Fatalf("MFA failure record %+v: no error code, or a code written to the log", ev)
			}
			out[ev.EventName+"/"+r]++
		}
	}
	return out
}

func wantDenied(t *testing.T, err error, msg string) {
	t.Helper()
	wantErr(t, err, "AccessDenied", 403)
	if apiMessage(err) != msg {
		t.Fatalf("message %q, want %q", apiMessage(err), msg)
	}
}

// TestMFAGuessingLocksTheDevice: five wrong codes lock the device; the
// right code is then refused, alike, until the lock ends; then it works,
// once.
func TestMFAGuessingLocksTheDevice(t *testing.T) {
	f := newMFAFixture(t)
	for i := range 5 {
		wantDenied(t, f.signIn(f.wrong(t, i)), badMFACode)
	}
	right := f.code(t, f.counter())
	wantDenied(t, f.signIn(right), badMFACode) // locked: the right code is refused, with the same answer
	// AssumeRole checks the same device and is locked out too.
	must[*iam.CreateRoleOutput](t)(f.root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("breakglass"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)}))
	must[*iam.PutUserPolicyOutput](t)(f.root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}))
	assume := func(code *string) error {
		_, err := f.sts.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/breakglass"), RoleSessionName: aws.String("b1"),
			SerialNumber: f.serial, TokenCode: code})
		return err
	}
	wantDenied(t, assume(right), badMFACode)
	f.clk.advance(4 * time.Minute)
	wantDenied(t, f.signIn(f.code(t, f.counter())), badMFACode) // still locked
	f.clk.advance(61 * time.Second)                             // the lock has ended
	code := f.code(t, f.counter())
	if err := assume(code); err != nil {
		t.Fatal("the right code after the lock:", err)
	}
	wantDenied(t, f.signIn(code), badMFACode) // a code works once
	got := f.mfaFailures(t)
	if got["GetSessionToken/invalidCode"] != 5 || got["GetSessionToken/deviceLockedOut"] != 2 || got["AssumeRole/deviceLockedOut"] != 1 ||
		got["GetSessionToken/reusedCode"] != 1 {
		t.Fatalf("audited MFA failures %v", got)
	}
	// A reused code is not a guess: it does not count toward a lock.
	for range 6 {
		wantDenied(t, f.signIn(code), badMFACode)
	}
	f.clk.advance(totp.Step)
	must[*sts.GetSessionTokenOutput](t)(f.sts.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: f.serial, TokenCode: f.code(t, f.counter())}))
}

// TestMFAWindow: a sign-in code is accepted one step either side of now,
// not two.
func TestMFAWindow(t *testing.T) {
	f := newMFAFixture(t)
	n := f.counter()
	for _, d := range []int64{-2, 2, 3} {
		wantDenied(t, f.signIn(f.code(t, n+d)), badMFACode)
	}
	must[*sts.GetSessionTokenOutput](t)(f.sts.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: f.serial, TokenCode: f.code(t, n-1)}))
	f.clk.advance(totp.Step) // a second step, not the first again
	must[*sts.GetSessionTokenOutput](t)(f.sts.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: f.serial, TokenCode: f.code(t, f.counter()+1)}))
	// The step before the last one accepted is used up too.
	wantDenied(t, f.signIn(f.code(t, f.counter())), badMFACode)
}

// TestMFAGuessingLocksTheCaller: probing serials (or spreading guesses
// over devices) locks the caller, whatever device it then names.
func TestMFAGuessingLocksTheCaller(t *testing.T) {
	f := newMFAFixture(t)
	for i := range 10 {
		_, err := f.sts.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(fmt.Sprintf("arn:aws:iam::123456789012:mfa/guess%d", i)), TokenCode: aws.String("123456")})
		wantDenied(t, err, badMFASerial)
	}
	wantDenied(t, f.signIn(f.code(t, f.counter())), badMFACode)
	if got := f.mfaFailures(t); got["GetSessionToken/unknownDevice"] != 10 || got["GetSessionToken/callerLockedOut"] != 1 {
		t.Fatalf("audited MFA failures %v", got)
	}
	// Another user is not locked out by ops's guesses.
	_, key, secret := newUser(t, f.s, f.root, "dev")
	must[*sts.GetSessionTokenOutput](t)(stsClient(f.s, key, secret, "").GetSessionToken(ctx, &sts.GetSessionTokenInput{}))
	f.clk.advance(5*time.Minute + time.Second)
	must[*sts.GetSessionTokenOutput](t)(f.sts.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: f.serial, TokenCode: f.code(t, f.counter())}))
}

// TestMFAParallelGuessesCountOnce: a burst of guesses at once gets no more
// tries than one at a time.
func TestMFAParallelGuessesCountOnce(t *testing.T) {
	f := newMFAFixture(t)
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.signIn(f.wrong(t, i)); apiCode(err) != "AccessDenied" {
				t.Errorf("guess %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	got := f.mfaFailures(t)
	if got["GetSessionToken/invalidCode"] != 5 || got["GetSessionToken/invalidCode"]+got["GetSessionToken/deviceLockedOut"] != 30 {
		t.Fatalf("audited MFA failures %v: want 5 codes tried, 25 refused unread", got)
	}
	wantDenied(t, f.signIn(f.code(t, f.counter())), badMFACode)
}

// TestMFAResyncLockout: ResyncMFADevice is limited like sign-in, and
// answers LimitExceeded while the device is locked.
func TestMFAResyncLockout(t *testing.T) {
	f := newMFAFixture(t)
	resync := func(c1, c2 *string) error {
		_, err := f.root.ResyncMFADevice(ctx, &iam.ResyncMFADeviceInput{UserName: aws.String("ops"), SerialNumber: f.serial, AuthenticationCode1: c1, AuthenticationCode2: c2})
		return err
	}
	for i := range 5 {
		wantErr(t, resync(f.wrong(t, 2*i), f.wrong(t, 2*i+1)), "InvalidAuthenticationCode", 403)
	}
	n := f.counter()
	wantErr(t, resync(f.code(t, n), f.code(t, n+1)), "LimitExceeded", 409)
	if got := f.mfaFailures(t); got["ResyncMFADevice/invalidCode"] != 5 || got["ResyncMFADevice/deviceLockedOut"] != 1 {
		t.Fatalf("audited MFA failures %v", got)
	}
	f.clk.advance(5*time.Minute + time.Second)
	n = f.counter()
	if err := resync(f.code(t, n), f.code(t, n+1)); err != nil {
		t.Fatal(err)
	}
	wantErr(t, resync(f.code(t, n), f.code(t, n+1)), "InvalidAuthenticationCode", 403) // used
}
