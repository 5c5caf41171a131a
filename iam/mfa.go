package iam

import (
	"context"
	"errors"
	"net/http"
	"time"

	"rsc.io/qr"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/totp"
)

// Virtual MFA devices: TOTP seeds sealed at rest, enabled for a user with
// two consecutive codes, as IAM does.

func (s *Service) mfaARN(c *Caller, path, name string) string {
	return entityARN(c, "mfa", path, name)
}

// inUse tells whether the device is enabled for a user or for root.
func (d *MFADevice) inUse() bool { return d.User != "" || d.Root }

// assignedTo tells whether the device is enabled for user ("" for root).
func (d *MFADevice) assignedTo(user string) bool {
	if user == "" {
		return d.Root
	}
	return d.User != "" && lower(d.User) == lower(user)
}

func getMFA(tx Tx, account, serial string) (*MFADevice, error) {
	var d MFADevice
	if err := getJSON(tx, account, kindMFA, serial, &d); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, iamapi.NoSuchEntity("MFA Device with serial number %s does not exist.", serial)
		}
		return nil, err
	}
	return &d, nil
}

// CreateVirtualMFADevice creates a device and returns its seed, in base32
// and as a QR code, once.
func (s *Service) CreateVirtualMFADevice(ctx context.Context, in *iamapi.CreateVirtualMFADeviceInput) (*iamapi.CreateVirtualMFADeviceOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	tags, err := newTags(in.Tags, false)
	if err != nil {
		return nil, err
	}
	path := orDefault(in.Path, "/")
	serial := s.mfaARN(c, path, in.VirtualMFADeviceName)
	seed := totp.NewSeed()
	d := &MFADevice{Serial: serial, Name: in.VirtualMFADeviceName, Path: path, Seed: s.sealer.Seal(seed, serial), Created: s.now().UTC().Truncate(time.Second), Tags: tags}
	err = s.update(ctx, func(tx Tx) error {
		if err := insertJSON(tx, c.Account, kindMFA, serial, d); err != nil {
			if errors.Is(err, ErrExists) {
				return iamapi.EntityAlreadyExists("MFA device already exists.")
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	label := c.Account
	if a, err := s.GetAccount(ctx, c.Account); err == nil && a.Alias != "" {
		label = a.Alias
	}
	uri := "otpauth://totp/Amazon%20Web%20Services:" + in.VirtualMFADeviceName + "@" + label + "?secret=" + seed + "&issuer=Amazon%20Web%20Services"
	code, err := qr.Encode(uri, qr.M)
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateVirtualMFADeviceOutput{VirtualMFADevice: iamapi.VirtualMFADevice{
		SerialNumber: serial, Base32StringSeed: []byte(seed), QRCodePNG: code.PNG(), Tags: apiTags(tags)}}, nil
}

// syncDevice checks two consecutive codes of a device (EnableMFADevice,
// ResyncMFADevice) under the guessing limits of mfaguard.go. prepare runs
// in the transaction and returns the device, or an error that ends the
// call; on success, change finishes the update. A wrong code is counted in
// the device even though the call fails.
func (s *Service) syncDevice(ctx context.Context, account, serial, code1, code2 string, prepare func(tx Tx) (*MFADevice, error), change func(tx Tx, d *MFADevice) error) error {
	now := s.now()
	callerKey := mfaCallerKey(ctx, account, "")
	if s.callerLocked(callerKey, now) {
		noteMFAFailure(ctx, serial, mfaCallerLocked, time.Time{})
		return errSyncLocked()
	}
	var reason string
	var lockedUntil time.Time
	err := s.update(ctx, func(tx Tx) error {
		reason, lockedUntil = "", time.Time{}
		d, err := prepare(tx)
		if err != nil {
			return err
		}
		r, save, err := s.verifyCodes(d, now, code1, code2)
		if err != nil {
			return err
		}
		if reason = r; reason != "" {
			if d.Guard != nil {
				lockedUntil = d.Guard.LockedUntil
			}
			if save {
				return putJSON(tx, account, kindMFA, d.Serial, d) // commit the count, refuse below
			}
			return nil
		}
		if err := change(tx, d); err != nil {
			return err
		}
		return putJSON(tx, account, kindMFA, d.Serial, d)
	})
	if err != nil || reason == "" {
		return err
	}
	noteMFAFailure(ctx, serial, reason, lockedUntil)
	if reason == mfaInvalidCode {
		s.callerFailed(callerKey, now)
	}
	if reason == mfaDeviceLocked {
		return errSyncLocked()
	}
	return errSyncCode()
}

// EnableMFADevice assigns a virtual device to a user.
func (s *Service) EnableMFADevice(ctx context.Context, in *iamapi.EnableMFADeviceInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	var u *User
	return s.syncDevice(ctx, c.Account, in.SerialNumber, in.AuthenticationCode1, in.AuthenticationCode2, func(tx Tx) (*MFADevice, error) {
		if u, err = getUser(tx, c.Account, in.UserName); err != nil {
			return nil, err
		}
		d, err := getMFA(tx, c.Account, in.SerialNumber)
		if err != nil {
			return nil, err
		}
		if d.inUse() {
			return nil, iamapi.EntityAlreadyExists("MFA Device is already in use.")
		}
		if err := checkCount(tx, c.Account, kindUserMFA, key(lower(u.Name), ""), "MFADevicesPerUser", s.quotas.MFADevicesPerUser); err != nil {
			return nil, err
		}
		return d, nil
	}, func(tx Tx, d *MFADevice) error {
		now := s.now().UTC().Truncate(time.Second)
		d.User, d.Enabled = u.Name, &now
		return tx.Put(c.Account, kindUserMFA, key(lower(u.Name), d.Serial), nil)
	})
}

// EnableRootMFADevice enables a virtual device for the account's root
// user, with two consecutive codes. As on AWS, no API call does this
// (EnableMFADevice names a user): the console does it for the root user
// signed in, the only caller it allows.
func (s *Service) EnableRootMFADevice(ctx context.Context, serial, code1, code2 string) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	if !c.Root || c.Session != nil && c.Session.Type != SessionToken {
		return awserr.New("AccessDenied", http.StatusForbidden, "Only the root user, signed in with its own credentials, can manage the root user's MFA devices.")
	}
	return s.syncDevice(ctx, c.Account, serial, code1, code2, func(tx Tx) (*MFADevice, error) {
		d, err := getMFA(tx, c.Account, serial)
		if err != nil {
			return nil, err
		}
		if d.inUse() {
			return nil, iamapi.EntityAlreadyExists("MFA Device is already in use.")
		}
		if err := checkCount(tx, c.Account, kindUserMFA, key("", ""), "MFADevicesPerUser", s.quotas.MFADevicesPerUser); err != nil {
			return nil, err
		}
		return d, nil
	}, func(tx Tx, d *MFADevice) error {
		now := s.now().UTC().Truncate(time.Second)
		d.Root, d.Enabled = true, &now
		// Root's credentials are indexed under the empty user name.
		return tx.Put(c.Account, kindUserMFA, key("", d.Serial), nil)
	})
}

// ResyncMFADevice resynchronizes a device with two consecutive codes.
func (s *Service) ResyncMFADevice(ctx context.Context, in *iamapi.ResyncMFADeviceInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.syncDevice(ctx, c.Account, in.SerialNumber, in.AuthenticationCode1, in.AuthenticationCode2, func(tx Tx) (*MFADevice, error) {
		d, err := getMFA(tx, c.Account, in.SerialNumber)
		if err != nil {
			return nil, err
		}
		if lower(d.User) != lower(in.UserName) {
			return nil, iamapi.NoSuchEntity("MFA Device with serial number %s is not assigned to user %s.", in.SerialNumber, in.UserName)
		}
		return d, nil
	}, func(Tx, *MFADevice) error { return nil })
}

// DeactivateMFADevice takes a device from its user.
func (s *Service) DeactivateMFADevice(ctx context.Context, in *iamapi.DeactivateMFADeviceInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		// The user first, as AWS answers (recorded): a missing user is
		// NoSuchEntity for the user whatever the device.
		if user != "" {
			if _, err := getUser(tx, c.Account, user); err != nil {
				return err
			}
		}
		d, err := getMFA(tx, c.Account, in.SerialNumber)
		if err != nil {
			return err
		}
		// Only the user's own device: without a user name, the root user's
		// devices, never anyone's.
		if !d.assignedTo(user) {
			return iamapi.NoSuchEntity("MFA Device with serial number %s is not assigned to user %s.", in.SerialNumber, user)
		}
		if err := tx.Delete(c.Account, kindUserMFA, key(lower(d.User), d.Serial)); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		d.User, d.Root, d.Enabled = "", false, nil
		return putJSON(tx, c.Account, kindMFA, d.Serial, d)
	})
}

// DeleteVirtualMFADevice deletes a device that is not enabled.
func (s *Service) DeleteVirtualMFADevice(ctx context.Context, in *iamapi.DeleteVirtualMFADeviceInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		d, err := getMFA(tx, c.Account, in.SerialNumber)
		if err != nil {
			return err
		}
		if d.inUse() {
			return iamapi.DeleteConflict("MFA device is in use; deactivate it first.")
		}
		return tx.Delete(c.Account, kindMFA, d.Serial)
	})
}

// ListMFADevices lists the devices enabled for a user.
func (s *Service) ListMFADevices(ctx context.Context, in *iamapi.ListMFADevicesInput) (*iamapi.ListMFADevicesOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	user, err := callingUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListMFADevicesOutput{MFADevices: []iamapi.MFADevice{}}
	err = s.view(ctx, func(tx Tx) error {
		if user != "" {
			if _, err := getUser(tx, c.Account, user); err != nil {
				return err
			}
		}
		serials, truncated, marker, err := pageKeys(tx, c.Account, kindUserMFA, key(lower(user), ""), in.MaxItems, in.Marker)
		if err != nil {
			return err
		}
		for _, serial := range serials {
			d, err := getMFA(tx, c.Account, serial)
			if err != nil {
				return err
			}
			out.MFADevices = append(out.MFADevices, iamapi.MFADevice{UserName: d.User, SerialNumber: d.Serial, EnableDate: *d.Enabled})
		}
		out.IsTruncated, out.Marker = ptr(truncated), marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListVirtualMFADevices lists the account's virtual devices.
func (s *Service) ListVirtualMFADevices(ctx context.Context, in *iamapi.ListVirtualMFADevicesInput) (*iamapi.ListVirtualMFADevicesOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	status := orDefault(in.AssignmentStatus, "Any")
	out := &iamapi.ListVirtualMFADevicesOutput{VirtualMFADevices: []iamapi.VirtualMFADevice{}}
	err = s.view(ctx, func(tx Tx) error {
		p, err := listPage(tx, c.Account, kindMFA, "", in.MaxItems, in.Marker, func(d *MFADevice) bool {
			return status == "Any" || status == "Assigned" && d.inUse() || status == "Unassigned" && !d.inUse()
		})
		if err != nil {
			return err
		}
		for _, d := range p.items {
			v := iamapi.VirtualMFADevice{SerialNumber: d.Serial, EnableDate: d.Enabled, Tags: apiTags(d.Tags)}
			if d.User != "" {
				if u, err := getUser(tx, c.Account, d.User); err == nil {
					api := u.api(c, false)
					v.User = &api
				}
			}
			out.VirtualMFADevices = append(out.VirtualMFADevices, v)
		}
		out.IsTruncated, out.Marker = ptr(p.truncated), p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetMFADevice describes a device; with a user name, only that user's.
func (s *Service) GetMFADevice(ctx context.Context, in *iamapi.GetMFADeviceInput) (*iamapi.GetMFADeviceOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var d *MFADevice
	err = s.view(ctx, func(tx Tx) error {
		if in.UserName != nil {
			if _, err := getUser(tx, c.Account, *in.UserName); err != nil {
				return err
			}
		}
		if d, err = getMFA(tx, c.Account, in.SerialNumber); err != nil {
			return err
		}
		if in.UserName != nil && lower(d.User) != lower(*in.UserName) {
			return iamapi.NoSuchEntity("MFA Device with serial number %s is not assigned to user %s.", in.SerialNumber, *in.UserName)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetMFADeviceOutput{UserName: optional(d.User), SerialNumber: d.Serial, EnableDate: d.Enabled}, nil
}

func (s *Service) modifyMFA(ctx context.Context, serial string, fn func(*MFADevice) error) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		d, err := getMFA(tx, c.Account, serial)
		if err != nil {
			return err
		}
		if err := fn(d); err != nil {
			return err
		}
		return putJSON(tx, c.Account, kindMFA, d.Serial, d)
	})
}

// TagMFADevice adds tags to a virtual device.
func (s *Service) TagMFADevice(ctx context.Context, in *iamapi.TagMFADeviceInput) error {
	return s.modifyMFA(ctx, in.SerialNumber, func(d *MFADevice) error {
		tags, err := mergeTags(d.Tags, in.Tags, false)
		d.Tags = tags
		return err
	})
}

// UntagMFADevice removes tags from a virtual device.
func (s *Service) UntagMFADevice(ctx context.Context, in *iamapi.UntagMFADeviceInput) error {
	return s.modifyMFA(ctx, in.SerialNumber, func(d *MFADevice) error {
		d.Tags = removeTags(d.Tags, in.TagKeys, false)
		return nil
	})
}

// ListMFADeviceTags lists a virtual device's tags.
func (s *Service) ListMFADeviceTags(ctx context.Context, in *iamapi.ListMFADeviceTagsInput) (*iamapi.ListMFADeviceTagsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var d *MFADevice
	if err := s.view(ctx, func(tx Tx) error { d, err = getMFA(tx, c.Account, in.SerialNumber); return err }); err != nil {
		return nil, err
	}
	tags, truncated, marker, err := tagPage(d.Tags, in.MaxItems, in.Marker)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListMFADeviceTagsOutput{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}

// VerifyMFACode checks a code of a user's enabled device (for STS calls
// that carry SerialNumber and TokenCode) under the guessing limits of
// mfaguard.go, and consumes it, so that a code cannot be replayed. Its
// errors are STS's answers (AccessDenied), or store failures.
func (s *Service) VerifyMFACode(ctx context.Context, account, user, serial, code string) error {
	now := s.now()
	callerKey := mfaCallerKey(ctx, account, user)
	if s.callerLocked(callerKey, now) {
		noteMFAFailure(ctx, serial, mfaCallerLocked, time.Time{})
		return errMFACode
	}
	var reason string
	var lockedUntil time.Time
	err := s.update(ctx, func(tx Tx) error {
		reason, lockedUntil = "", time.Time{}
		d, err := getMFA(tx, account, serial)
		if _, notFound := awserr.As(err); err != nil && !notFound {
			return err // the store failed
		}
		if err != nil || !d.assignedTo(user) {
			reason = mfaUnknownDevice
			return nil //nolint:nilerr // no such device: a refusal the caller gets, not a store failure
		}
		r, save, err := s.verifyCodes(d, now, code)
		if err != nil {
			return err
		}
		if reason = r; d.Guard != nil {
			lockedUntil = d.Guard.LockedUntil
		}
		if save {
			return putJSON(tx, account, kindMFA, d.Serial, d)
		}
		return nil
	})
	if err != nil || reason == "" {
		return err
	}
	noteMFAFailure(ctx, serial, reason, lockedUntil)
	switch reason {
	case mfaUnknownDevice:
		s.callerFailed(callerKey, now) // probing serials is guessing too
		return errMFASerial
	case mfaInvalidCode:
		s.callerFailed(callerKey, now)
	}
	return errMFACode
}
