package iam

import (
	"context"
	"errors"
	"strings"
	"time"

	"rsc.io/qr"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/totp"
)

// Virtual MFA devices: TOTP seeds sealed at rest, enabled for a user with
// two consecutive codes, as IAM does.

func (s *Service) mfaARN(c *Caller, path, name string) string {
	return entityARN(c, "mfa", path, name)
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
				return iamapi.EntityAlreadyExists("MFADevice entity at the same path and name already exists.")
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

// checkCodes accepts two consecutive codes of the device's seed.
func (s *Service) checkCodes(d *MFADevice, code1, code2 string) error {
	seed, err := s.sealer.Open(d.Seed, d.Serial)
	if err != nil {
		return err
	}
	bad := iamapi.InvalidAuthenticationCode("Authentication code for device is not valid.")
	c1, ok := totp.Find(seed, code1, s.now(), 5)
	if !ok {
		return bad
	}
	if want, _ := totp.Code(seed, c1+1); want != code2 {
		return bad
	}
	d.LastCounter = c1 + 1
	return nil
}

// EnableMFADevice assigns a virtual device to a user.
func (s *Service) EnableMFADevice(ctx context.Context, in *iamapi.EnableMFADeviceInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		u, err := getUser(tx, c.Account, in.UserName)
		if err != nil {
			return err
		}
		d, err := getMFA(tx, c.Account, in.SerialNumber)
		if err != nil {
			return err
		}
		if d.User != "" {
			return iamapi.EntityAlreadyExists("MFA Device is already in use.")
		}
		if err := checkCount(tx, c.Account, kindUserMFA, key(lower(u.Name), ""), "MFADevicesPerUser", s.quotas.MFADevicesPerUser); err != nil {
			return err
		}
		if err := s.checkCodes(d, in.AuthenticationCode1, in.AuthenticationCode2); err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Second)
		d.User, d.Enabled = u.Name, &now
		if err := tx.Put(c.Account, kindUserMFA, key(lower(u.Name), d.Serial), nil); err != nil {
			return err
		}
		return putJSON(tx, c.Account, kindMFA, d.Serial, d)
	})
}

// ResyncMFADevice resynchronizes a device with two consecutive codes.
func (s *Service) ResyncMFADevice(ctx context.Context, in *iamapi.ResyncMFADeviceInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		d, err := getMFA(tx, c.Account, in.SerialNumber)
		if err != nil {
			return err
		}
		if lower(d.User) != lower(in.UserName) {
			return iamapi.NoSuchEntity("MFA Device with serial number %s is not assigned to user %s.", in.SerialNumber, in.UserName)
		}
		if err := s.checkCodes(d, in.AuthenticationCode1, in.AuthenticationCode2); err != nil {
			return err
		}
		return putJSON(tx, c.Account, kindMFA, d.Serial, d)
	})
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
		d, err := getMFA(tx, c.Account, in.SerialNumber)
		if err != nil {
			return err
		}
		// Only the user's own device: without a user name, the root user's
		// devices (iamd enables none for root), never anyone's.
		if d.User == "" || lower(d.User) != lower(user) {
			return iamapi.NoSuchEntity("MFA Device with serial number %s is not assigned to user %s.", in.SerialNumber, user)
		}
		if err := tx.Delete(c.Account, kindUserMFA, key(lower(d.User), d.Serial)); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		d.User, d.Enabled = "", nil
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
		if d.User != "" {
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
			return status == "Any" || status == "Assigned" && d.User != "" || status == "Unassigned" && d.User == ""
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
// that carry SerialNumber and TokenCode) and consumes it, so that a code
// cannot be replayed. It returns the time of authentication.
func (s *Service) VerifyMFACode(ctx context.Context, account, user, serial, code string) error {
	return s.update(ctx, func(tx Tx) error {
		d, err := getMFA(tx, account, serial)
		if err != nil || lower(d.User) != lower(user) {
			return iamapi.InvalidAuthenticationCode("MultiFactorAuthentication failed with invalid MFA one time pass code.")
		}
		seed, err := s.sealer.Open(d.Seed, d.Serial)
		if err != nil {
			return err
		}
		counter, ok := totp.Find(seed, strings.TrimSpace(code), s.now(), 2) // a minute of clock drift
		if !ok || counter <= d.LastCounter {
			return iamapi.InvalidAuthenticationCode("MultiFactorAuthentication failed with invalid MFA one time pass code.")
		}
		d.LastCounter = counter
		return putJSON(tx, account, kindMFA, d.Serial, d)
	})
}
