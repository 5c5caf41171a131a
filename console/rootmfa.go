package console

import (
	"net/http"
	"net/url"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/iam"
)

// The root user's security credentials: its MFA devices. As on AWS, only
// the root user signed in manages them, and only here (no API call
// enables a device for root); an IAM user's are on its own user page.

// rootMFAName is the name AWS's console gives the root user's device.
const rootMFAName = "root-account-mfa-device"

type securityData struct {
	MFA section[iamapi.MFADevice]
}

func (h *Handler) serveSecurity(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.id.root {
		http.Redirect(w, r, userPage(q.id.userName), http.StatusSeeOther)
		return
	}
	h.securityPage(w, r, q, http.StatusOK, nil)
}

func (h *Handler) securityPage(w http.ResponseWriter, r *http.Request, q *req, status int, err error) {
	d := securityData{}
	// Without a user name, the root caller's own devices.
	if o, lerr := h.call(r, q, "ListMFADevices", url.Values{}); lerr == nil {
		d.MFA = sect(o.(*iamapi.ListMFADevicesOutput).MFADevices, nil)
	} else {
		d.MFA = sect[iamapi.MFADevice](nil, lerr)
	}
	h.render(w, r, q.s, "security", status, "Security credentials", d, err)
}

func (h *Handler) serveSecurityAction(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.id.root {
		h.render(w, r, q.s, "error", http.StatusForbidden, "Refused", nil, &apiError{Code: "AccessDenied",
			Message: "Only the root user manages the root user's MFA devices."})
		return
	}
	switch r.PathValue("op") {
	case "createmfa":
		h.showNewDevice(w, r, q, url.Values{"VirtualMFADeviceName": {rootMFAName}}, "", func(err error) { h.securityPage(w, r, q, statusOf(err), err) })
	case "enablemfa":
		serial := form(r, "serial")
		err := h.b.Domain().EnableRootMFADevice(iam.WithCaller(r.Context(), q.caller()), serial, form(r, "code1"), form(r, "code2"))
		if err != nil {
			h.render(w, r, q.s, "mfadevice", statusOf(err), "Assign MFA device", mfaDeviceData{Root: true, Serial: serial}, err)
			return
		}
		h.log.Info("console: root MFA device enabled", "account", q.id.account, "serial", serial)
		h.redirect(w, r, q, Prefix+"/security-credentials", "MFA device "+serial+" assigned. Sign-in now asks for its code.")
	case "removemfa":
		serial := form(r, "serial")
		_, err := h.call(r, q, "DeactivateMFADevice", url.Values{"SerialNumber": {serial}})
		if err == nil {
			_, err = h.call(r, q, "DeleteVirtualMFADevice", url.Values{"SerialNumber": {serial}})
		}
		if err != nil {
			h.securityPage(w, r, q, statusOf(err), err)
			return
		}
		h.redirect(w, r, q, Prefix+"/security-credentials", "MFA device "+serial+" removed.")
	default:
		h.render(w, r, q.s, "error", http.StatusNotFound, "Not found", nil, errNoSuchPage)
	}
}
