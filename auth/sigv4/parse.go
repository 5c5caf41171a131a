package sigv4

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/api/awserr"
)

const (
	algorithm     = "AWS4-HMAC-SHA256"
	amzDateLayout = "20060102T150405Z"
	terminator    = "aws4_request"
	maxExpires    = 604800 // seconds: a week, as AWS allows
)

// Authorization is the content of an AWS4-HMAC-SHA256 Authorization header.
type Authorization struct {
	Credential    string // AKID/20240101/us-east-1/iam/aws4_request
	SignedHeaders string // as sent: lower-case names joined by ';'
	Signature     string // hex HMAC
}

// ParseAuthorization parses an Authorization header the way AWS does:
// parameters separated by commas and/or white space, in any order. Its
// errors are the IncompleteSignature errors AWS answers.
func ParseAuthorization(header string) (Authorization, error) {
	a, err := parseAuthorization(header, true)
	if err != nil {
		return a, err
	}
	return a, nil
}

// parseAuthorization is ParseAuthorization knowing whether the request
// carries a date, since AWS reports both in one message.
func parseAuthorization(h string, hasDate bool) (Authorization, *awserr.Error) {
	var a Authorization
	rest, ok := strings.CutPrefix(h, algorithm)
	if !ok || rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		// Another scheme (SigV2's "AWS ...", Basic, a bare token): AWS
		// answers as if every parameter were missing.
		return a, errRequires(h, true, true, true, !hasDate)
	}
	for rest != "" {
		i := strings.IndexAny(rest, ", \t")
		tok := rest
		if i >= 0 {
			tok, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if tok == "" {
			continue
		}
		k, v, ok := strings.Cut(tok, "=")
		if !ok {
			return a, errNotKeyValue(tok, h)
		}
		// The first occurrence wins; unknown parameters are ignored.
		switch {
		case k == "Credential" && a.Credential == "":
			a.Credential = v
		case k == "SignedHeaders" && a.SignedHeaders == "":
			a.SignedHeaders = v
		case k == "Signature" && a.Signature == "":
			a.Signature = v
		}
	}
	if a.Credential == "" || a.Signature == "" || a.SignedHeaders == "" || !hasDate {
		return a, errRequires(h, a.Credential == "", a.Signature == "", a.SignedHeaders == "", !hasDate)
	}
	return a, nil
}

// Scope is a credential scope: the day, region and service a signing key
// is valid for.
type Scope struct {
	Date    string // YYYYMMDD
	Region  string
	Service string
}

// String is the scope as it appears in the string to sign.
func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/" + terminator
}

// ParseCredential splits AKID/date/region/service/aws4_request and checks
// its shape, terminator and region as AWS does (not the date, which needs
// the request's time).
func ParseCredential(credential string) (accessKeyID string, scope Scope, err error) {
	id, sc, e := parseCredential(credential)
	if e != nil {
		return id, sc, e
	}
	return id, sc, nil
}

func parseCredential(c string) (string, Scope, *awserr.Error) {
	var parts [5]string
	rest := c
	for i := 0; i < 4; i++ {
		p, r, ok := strings.Cut(rest, "/")
		if !ok {
			return "", Scope{}, errCredentialShape(c)
		}
		parts[i], rest = p, r
	}
	if strings.IndexByte(rest, '/') >= 0 {
		return "", Scope{}, errCredentialShape(c)
	}
	parts[4] = rest
	sc := Scope{Date: parts[1], Region: parts[2], Service: parts[3]}
	if parts[4] != terminator {
		return "", sc, errTerminator(parts[4])
	}
	if !validName(sc.Region) {
		return "", sc, errRegion(sc.Region)
	}
	return parts[0], sc, nil
}

// validName accepts region and service names: lower-case letters, digits
// and dashes. Any region is accepted, but not arbitrary bytes, which would
// end up in logs and ARNs.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// signed is everything the request says about its signature.
type signed struct {
	accessKeyID   string
	scope         Scope
	signedHeaders string
	signature     string
	stamp         string // the ISO 8601 basic time of the string to sign
	when          time.Time
	token         string
	presigned     bool
	hasExpires    bool
	expires       time.Duration
}

// parseHeaderAuth reads a request signed in its Authorization header.
func parseHeaderAuth(r *http.Request, h string, q []param, s *signed) *awserr.Error {
	date, fromDateHeader := r.Header.Get("X-Amz-Date"), false
	if date == "" {
		date = queryValue(q, "X-Amz-Date")
	}
	if date == "" {
		date, fromDateHeader = r.Header.Get("Date"), true
	}
	a, err := parseAuthorization(h, date != "")
	if err != nil {
		return err
	}
	if fromDateHeader {
		err = parseHTTPDate(date, s)
	} else {
		err = parseAmzDate(date, s)
	}
	if err != nil {
		return err
	}
	s.signedHeaders, s.signature = a.SignedHeaders, a.Signature
	s.token = r.Header.Get("X-Amz-Security-Token")
	if s.token == "" {
		s.token = queryValue(q, "X-Amz-Security-Token")
	}
	return parseScope(a.Credential, s)
}

// presignParams are the query parameters of a presigned request, in the
// order AWS lists them when they are missing.
var presignParams = [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"}

// isPresigned reports whether the query carries presign parameters.
func isPresigned(q []param) bool {
	for _, name := range presignParams {
		if queryHas(q, name) {
			return true
		}
	}
	return false
}

// parseQueryAuth reads a presigned request.
func parseQueryAuth(r *http.Request, q []param, s *signed) *awserr.Error {
	var vals [len(presignParams)]string
	var missing []string
	for i, name := range presignParams {
		vals[i] = queryValue(q, name)
		if vals[i] == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return errQueryMissing(missing)
	}
	if vals[0] != algorithm {
		return errAlgorithm()
	}
	if err := parseAmzDate(vals[2], s); err != nil {
		return err
	}
	if e, ok := queryLookup(q, "X-Amz-Expires"); ok {
		n, err := strconv.ParseInt(e, 10, 64)
		switch {
		case err != nil && strings.HasPrefix(e, "-"):
			return errExpiresNegative()
		case err != nil:
			return errExpiresNumber()
		case n < 0:
			return errExpiresNegative()
		case n > maxExpires:
			return errExpiresWeek()
		}
		s.hasExpires, s.expires = true, time.Duration(n)*time.Second
	}
	s.presigned = true
	s.signedHeaders, s.signature = vals[3], vals[4]
	s.token = queryValue(q, "X-Amz-Security-Token")
	if s.token == "" {
		s.token = r.Header.Get("X-Amz-Security-Token")
	}
	return parseScope(vals[1], s)
}

// parseScope checks the credential against the request's date and that
// host is signed.
func parseScope(credential string, s *signed) *awserr.Error {
	id, sc, err := parseCredential(credential)
	if err != nil {
		return err
	}
	if sc.Date != s.stamp[:8] {
		return errScopeDate(sc.Date, s.stamp[:8], s.stamp)
	}
	s.accessKeyID, s.scope = id, sc
	sorted, host := checkSignedHeaders(s.signedHeaders)
	if !host {
		return errHostNotSigned()
	}
	if !sorted {
		// Signers sort the names and list each once. Refusing anything
		// else also bounds the canonical request: "x;x;x;..." would
		// otherwise copy one large header once per repetition.
		return ErrSignatureDoesNotMatch()
	}
	return nil
}

// checkSignedHeaders reports whether the list is strictly increasing (so
// sorted, without duplicates or empty names) and whether it names host.
func checkSignedHeaders(list string) (sorted, host bool) {
	sorted = true
	prev := ""
	for i := 0; list != ""; i++ {
		var name string
		name, list, _ = strings.Cut(list, ";")
		if name == "host" {
			host = true
		}
		if name == "" || i > 0 && name <= prev {
			sorted = false
		}
		prev = name
	}
	return sorted, host
}

// parseAmzDate parses the strict ISO 8601 basic form, 20240101T000000Z.
func parseAmzDate(v string, s *signed) *awserr.Error {
	if len(v) != 16 || v[8] != 'T' || v[15] != 'Z' {
		return errDateFormat(v)
	}
	var n [6]int
	for i, f := range [6][2]int{{0, 4}, {4, 6}, {6, 8}, {9, 11}, {11, 13}, {13, 15}} {
		for j := f[0]; j < f[1]; j++ {
			c := v[j]
			if c < '0' || c > '9' {
				return errDateFormat(v)
			}
			n[i] = n[i]*10 + int(c-'0')
		}
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], 0, time.UTC)
	if t.Month() != time.Month(n[1]) || t.Day() != n[2] || t.Hour() != n[3] || t.Minute() != n[4] || t.Second() != n[5] {
		return errDateFormat(v) // e.g. February 30th or 24:00:00
	}
	s.when, s.stamp = t, v
	return nil
}

// parseHTTPDate reads a Date header: the ISO basic form, or an HTTP date
// (RFC 1123 with GMT or a numeric zone, as botocore sends it).
func parseHTTPDate(v string, s *signed) *awserr.Error {
	if parseAmzDate(v, s) == nil {
		return nil
	}
	t, err := http.ParseTime(v)
	if err != nil {
		t, err = time.Parse(time.RFC1123Z, v)
	}
	if err != nil {
		return errDateFormat(v)
	}
	s.when = t.UTC()
	s.stamp = s.when.Format(amzDateLayout)
	return nil
}
