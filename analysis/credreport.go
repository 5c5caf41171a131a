package analysis

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
)

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
				LastUsed: date(p + "last_used_date"), Service: get(p + "last_used_service")}
		}
		if perr != nil {
			return nil, perr
		}
		out = append(out, row)
	}
	return out, nil
}
