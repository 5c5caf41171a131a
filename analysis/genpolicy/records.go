// Package genpolicy writes the least-privilege identity policy for what a
// principal was observed to do, from iamd's audit log (CloudTrail-shaped
// JSON lines, see server/audit.go), and finds what its current policies
// grant that it never used. It is pure: records in, documents out.
//
// What counts as needed: every authorization the log shows for the
// principal, whatever its decision. Allowed calls are what the application
// did; calls denied under enforce mode, and those observe mode let through
// marked "would be denied", are what it tried to do, so they are in the
// policy too, and the caller is told which they were (Result.Denied).
// Records that decided nothing are not: GetCallerIdentity needs no
// permission, and a call refused for its signature or its input before
// authorization says nothing about the permissions it needs.
//
// The action and resource of a record are taken from, in order:
//   - its "authorizations" (every check iamd made for the call: the IAM
//     action on its resource, with its decision);
//   - else, when it has a "decision", eventSource's prefix and eventName
//     (iam.amazonaws.com + CreateUser → iam:CreateUser) on each of its
//     "resources" ("*" when it has none): iamd's IAM and STS calls before
//     the authorizations field existed;
//   - else, for sts:AssumeRole (decided with the role's trust policy, so
//     it carries no decision), sts:AssumeRole on requestParameters.RoleArn
//     when the call succeeded or was denied.
package genpolicy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"
)

// Record is the part of an audit record the analysis reads.
type Record struct {
	EventTime    string `json:"eventTime"`
	EventSource  string `json:"eventSource"`
	EventName    string `json:"eventName"`
	UserIdentity *struct {
		Type      string `json:"type"`
		ARN       string `json:"arn"`
		AccountID string `json:"accountId"`
	} `json:"userIdentity"`
	// RequestParameters are strings in iamd's IAM records; CloudTrail
	// nests objects, which are kept raw.
	RequestParameters map[string]json.RawMessage `json:"requestParameters"`
	Resources         []struct {
		ARN string `json:"ARN"`
	} `json:"resources"`
	Decision       string          `json:"decision"`
	ErrorCode      string          `json:"errorCode"`
	Authorizations []Authorization `json:"authorizations"`

	time time.Time
}

// Authorization is one check of a call, as the record gives it.
type Authorization struct {
	Action   string `json:"action"`
	Resource string `json:"resource"`
	Decision string `json:"decision"`
}

// Time is the record's eventTime.
func (r *Record) Time() time.Time { return r.time }

// param is a request parameter as a string ("" when absent or not a string).
func (r *Record) param(name string) string {
	raw, ok := r.RequestParameters[name]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// hasParamPrefix reports whether some request parameter's name starts with
// prefix (any case): Tags.member.1.Key, Tags, tags, Tag.1.Key.
func (r *Record) hasParamPrefix(prefix string) bool {
	for k := range r.RequestParameters {
		if len(k) >= len(prefix) && strings.EqualFold(k[:len(prefix)], prefix) {
			return true
		}
	}
	return false
}

// maxLine bounds one audit line (a record of a DeleteObjects call with a
// thousand keys is far below it).
const maxLine = 4 << 20

// ReadRecords reads an audit log. Lines that are not a record (bad JSON,
// no eventSource or eventName, an eventTime that is not RFC 3339, longer
// than 4 MiB) are skipped and counted; blank lines are ignored. The error
// is only the reader's.
func ReadRecords(r io.Reader) (recs []Record, skipped int, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, tooLong, rerr := readLine(br)
		if tooLong {
			skipped++
		} else if line = bytes.TrimSpace(line); len(line) > 0 {
			if rec, ok := parseRecord(line); ok {
				recs = append(recs, rec)
			} else {
				skipped++
			}
		}
		if rerr == io.EOF {
			return recs, skipped, nil
		}
		if rerr != nil {
			return recs, skipped, rerr
		}
	}
}

// readLine reads one line, discarding (and reporting) one over maxLine.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > maxLine {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return line, tooLong, err
	}
}

func parseRecord(line []byte) (Record, bool) {
	var rec Record
	if json.Unmarshal(line, &rec) != nil || rec.EventSource == "" || rec.EventName == "" {
		return Record{}, false
	}
	t, err := time.Parse(time.RFC3339, rec.EventTime)
	if err != nil {
		return Record{}, false
	}
	rec.time = t
	return rec, true
}

// Call is one authorization a principal needed.
type Call struct {
	Action   string `json:"action"`
	Resource string `json:"resource"`
	Denied   bool   `json:"denied,omitempty"` // refused, or would have been (observe mode)
}

// calls are the authorizations the record shows (see the package comment).
func (r *Record) calls() []Call {
	var out []Call
	if len(r.Authorizations) > 0 {
		for _, a := range r.Authorizations {
			if a.Action == "" || a.Decision == "" {
				continue
			}
			out = append(out, Call{Action: a.Action, Resource: orStar(a.Resource), Denied: a.Decision != "allowed"})
		}
		return out
	}
	prefix, _, _ := strings.Cut(r.EventSource, ".")
	action := prefix + ":" + r.EventName
	if r.Decision != "" {
		denied := r.Decision != "allowed"
		if len(r.Resources) == 0 {
			return []Call{{Action: action, Resource: "*", Denied: denied}}
		}
		for _, res := range r.Resources {
			out = append(out, Call{Action: action, Resource: orStar(res.ARN), Denied: denied})
		}
		return out
	}
	if strings.EqualFold(action, "sts:AssumeRole") && (r.ErrorCode == "" || r.ErrorCode == "AccessDenied") {
		if role := r.param("RoleArn"); role != "" {
			return []Call{{Action: "sts:AssumeRole", Resource: role, Denied: r.ErrorCode != ""}}
		}
	}
	return nil
}

func orStar(s string) string {
	if s == "" {
		return "*"
	}
	return s
}
