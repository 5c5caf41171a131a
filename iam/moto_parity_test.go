package iam_test

import (
	"testing"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
)

// Answers moto's suite showed differing from AWS's recorded ones
// (LocalStack's test_iam_mfa snapshot, February 2026): a second virtual
// MFA device of the same name, and a marker iamd never issued.

func TestDuplicateVirtualMFADeviceAnswersAsAWS(t *testing.T) {
	s := newSeam(t, nil)
	s.ok(s.svc.CreateVirtualMFADevice(s.root, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: "dev"}))
	before := s.head()
	_, err := s.svc.CreateVirtualMFADevice(s.root, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: "dev"})
	wantExact(t, err, "EntityAlreadyExists", "MFA device already exists.")
	if s.head() != before {
		t.Fatal("the refused create committed a change")
	}
	// The same name under another path is another device.
	p := "/other/"
	s.ok(s.svc.CreateVirtualMFADevice(s.root, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: "dev", Path: &p}))
}

func TestUnissuedMarkerAnswersInvalidMarker(t *testing.T) {
	s := newSeam(t, nil)
	for _, n := range []string{"a", "b"} {
		s.ok(s.svc.CreateVirtualMFADevice(s.root, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: n}))
		s.user(n)
	}
	bad := "100"
	calls := map[string]func() error{
		"ListVirtualMFADevices": func() error {
			return drop(s.svc.ListVirtualMFADevices(s.root, &iamapi.ListVirtualMFADevicesInput{Marker: &bad}))
		},
		"ListUsers": func() error { return drop(s.svc.ListUsers(s.root, &iamapi.ListUsersInput{Marker: &bad})) },
		"GetAccountAuthorizationDetails": func() error {
			return drop(s.svc.GetAccountAuthorizationDetails(s.root, &iamapi.GetAccountAuthorizationDetailsInput{Marker: &bad}))
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) { wantExact(t, call(), "ValidationError", "Invalid Marker.") })
	}
	// A marker iamd issued still pages on.
	one := int32(1)
	page, err := s.svc.ListVirtualMFADevices(s.root, &iamapi.ListVirtualMFADevicesInput{MaxItems: &one})
	if err != nil || page.IsTruncated == nil || !*page.IsTruncated || page.Marker == nil {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	next, err := s.svc.ListVirtualMFADevices(s.root, &iamapi.ListVirtualMFADevicesInput{Marker: page.Marker})
	if err != nil || len(next.VirtualMFADevices) != 1 || next.VirtualMFADevices[0].SerialNumber == page.VirtualMFADevices[0].SerialNumber {
		t.Fatalf("second page: %+v, %v", next, err)
	}
}

// RemoveUserFromGroup names the unknown user before the unknown group, as
// AWS's recorded answer does (LocalStack's test_iam_groups snapshot).
func TestRemoveUserFromGroupChecksTheUserFirst(t *testing.T) {
	s := newSeam(t, nil)
	err := s.svc.RemoveUserFromGroup(s.root, &iamapi.RemoveUserFromGroupInput{GroupName: "nogroup", UserName: "nouser"})
	wantExact(t, err, "NoSuchEntity", "The user with name nouser cannot be found.")
	s.user("alice")
	err = s.svc.RemoveUserFromGroup(s.root, &iamapi.RemoveUserFromGroupInput{GroupName: "nogroup", UserName: "alice"})
	wantExact(t, err, "NoSuchEntity", "The group with name nogroup cannot be found.")
	s.ok(s.svc.CreateGroup(s.root, &iamapi.CreateGroupInput{GroupName: "devs"}))
	s.ok(nil, s.svc.AddUserToGroup(s.root, &iamapi.AddUserToGroupInput{GroupName: "devs", UserName: "alice"}))
	s.ok(nil, s.svc.RemoveUserFromGroup(s.root, &iamapi.RemoveUserFromGroupInput{GroupName: "devs", UserName: "alice"}))
	out, err := s.svc.ListGroupsForUser(s.root, &iamapi.ListGroupsForUserInput{UserName: "alice"})
	if err != nil || len(out.Groups) != 0 {
		t.Fatalf("groups after removal: %+v, %v", out, err)
	}
}

// wantExact asserts err is the AWS error code with exactly the message.
func wantExact(t *testing.T, err error, code, msg string) {
	t.Helper()
	e, ok := awserr.As(err)
	if !ok || e.Code != code || e.Message != msg {
		t.Fatalf("got %v, want %s %q", err, code, msg)
	}
}
