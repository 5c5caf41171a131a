package analysis

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
)

// credentialColumns are the credential report's columns, in AWS's order.
var credentialColumns = []string{"user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
	"password_next_rotation", "mfa_active", "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
	"access_key_1_last_used_region", "access_key_1_last_used_service", "access_key_2_active", "access_key_2_last_rotated",
	"access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service", "cert_1_active",
	"cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"}

// WriteCredentialReport writes rows as GetCredentialReport's CSV: AWS's
// columns and values (ISO 8601 dates, N/A, not_supported, no_information
// for a password never used). Signing certificates are not in the rows:
// their columns say none.
func WriteCredentialReport(w io.Writer, rows []CredentialRow) error {
	cw := csv.NewWriter(w)
	iso := func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return "N/A"
		}
		return t.UTC().Format("2006-01-02T15:04:05+00:00")
	}
	na := func(s string) string {
		if s == "" {
			return "N/A"
		}
		return s
	}
	b := func(v bool) string { return fmt.Sprint(v) }
	if err := cw.Write(credentialColumns); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{r.User, r.ARN, iso(r.Created)}
		switch {
		case r.Root:
			used := iso(r.PasswordLastUsed)
			if r.PasswordLastUsed == nil {
				used = "no_information"
			}
			rec = append(rec, "not_supported", used, "not_supported", "not_supported")
		case r.PasswordEnabled:
			used := iso(r.PasswordLastUsed)
			if r.PasswordLastUsed == nil {
				used = "no_information"
			}
			rec = append(rec, "true", used, iso(r.PasswordChanged), "N/A")
		default:
			rec = append(rec, "false", "N/A", "N/A", "N/A")
		}
		rec = append(rec, b(r.MFAActive))
		for _, k := range r.Keys {
			rec = append(rec, b(k.Active), iso(k.LastRotated), iso(k.LastUsed), na(k.Region), na(k.Service))
		}
		rec = append(rec, "false", "N/A", "false", "N/A")
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// CredentialRow is one line of the credential report (GetCredentialReport,
// or `aws iam get-credential-report` decoded from base64).
type CredentialRow struct {
	User              string
	ARN               string
	Created           *time.Time
	PasswordEnabled   bool
	PasswordLastUsed  *time.Time
	PasswordChanged   *time.Time
	MFAActive         bool
	Keys              [2]KeyInfo
	Root              bool
	PasswordSupported bool
}

// KeyInfo is one access key column group of the report.
type KeyInfo struct {
	Active      bool
	LastRotated *time.Time
	LastUsed    *time.Time
	Service     string
	Region      string
}

// ReadCredentialReport parses the report's CSV by column name, so extra
// or reordered columns do not matter.
func ReadCredentialReport(r io.Reader) ([]CredentialRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	records, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("credential report: %w", err)
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("credential report: empty")
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"user", "arn"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("credential report: no %q column", need)
		}
	}
	var out []CredentialRow
	for n, rec := range records[1:] {
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		var perr error
		date := func(name string) *time.Time {
			v := get(name)
			switch v {
			case "", "N/A", "no_information", "not_supported":
				return nil
			}
			for _, layout := range []string{"2006-01-02T15:04:05-07:00", time.RFC3339, "2006-01-02T15:04:05Z0700"} {
				if t, err := time.Parse(layout, v); err == nil {
					return &t
				}
			}
			perr = fmt.Errorf("credential report line %d: %s %q is not a date", n+2, name, v)
			return nil
		}
		row := CredentialRow{User: get("user"), ARN: get("arn"), Created: date("user_creation_time"),
			PasswordEnabled: get("password_enabled") == "true", PasswordLastUsed: date("password_last_used"),
			PasswordChanged: date("password_last_changed"), MFAActive: get("mfa_active") == "true",
			Root: get("user") == "<root_account>", PasswordSupported: get("password_enabled") != "not_supported"}
		for i := range row.Keys {
			p := fmt.Sprintf("access_key_%d_", i+1)
			row.Keys[i] = KeyInfo{Active: get(p+"active") == "true", LastRotated: date(p + "last_rotated"),
				LastUsed: date(p + "last_used_date"), Service: get(p + "last_used_service"), Region: get(p + "last_used_region")}
		}
		if perr != nil {
			return nil, perr
		}
		out = append(out, row)
	}
	return out, nil
}
