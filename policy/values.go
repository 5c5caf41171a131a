package policy

import (
	"net/netip"
	"strconv"
	"strings"
)

// instant is a point in time as seconds and nanoseconds since the Unix
// epoch. It spans the years AWS accepts (-292275054 to 292278993), which
// time.Time's nanosecond arithmetic would overflow.
type instant struct {
	sec  int64
	nsec int32
}

func (a instant) compare(b instant) int {
	switch {
	case a.sec < b.sec:
		return -1
	case a.sec > b.sec:
		return 1
	case a.nsec < b.nsec:
		return -1
	case a.nsec > b.nsec:
		return 1
	}
	return 0
}

// parseDate reads the date forms IAM accepts (section 4.3): epoch seconds,
// or W3C ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD, then optionally Thh:mm,
// Thh:mm:ss, with a fraction and a zone Z, ±hh, ±hh:mm or ±hhmm). IAM is
// lenient about one-digit hours and a lower-case "t"; so are we. A value
// without 't' or '-' is epoch seconds. It does not allocate: request values
// such as aws:CurrentTime are parsed on every evaluation.
func parseDate(s string) (instant, bool) {
	if !strings.ContainsAny(s, "tT-") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return instant{}, false
		}
		return instant{sec: n}, true
	}
	datePart, timePart, hasTime := s, "", false
	if i := strings.IndexAny(s, "tT"); i >= 0 {
		datePart, timePart, hasTime = s[:i], s[i+1:], true
	}
	neg := strings.HasPrefix(datePart, "-")
	if neg {
		datePart = datePart[1:]
	}
	var fields [3]int64
	lo, hi := [3]int64{0, 1, 1}, [3]int64{292278993, 12, 31}
	fields[1], fields[2] = 1, 1
	for i := 0; ; i++ {
		if i == 3 {
			return instant{}, false
		}
		f, rest, more := strings.Cut(datePart, "-")
		n, ok := atoiRange(f, lo[i], hi[i])
		if !ok {
			return instant{}, false
		}
		fields[i] = n
		if !more {
			break
		}
		datePart = rest
	}
	year := fields[0]
	if neg {
		if year = -year; year < -292275054 {
			return instant{}, false
		}
	}
	t := instant{sec: daysFromCivil(year, fields[1], fields[2]) * 86400}
	if !hasTime || timePart == "" {
		return t, true
	}
	clock, offset, ok := splitZone(timePart)
	if !ok {
		return instant{}, false
	}
	hText, rest, ok1 := strings.Cut(clock, ":")
	mText, secText, hasSec := strings.Cut(rest, ":")
	h, ok2 := atoiRange(hText, 0, 23)
	m, ok3 := atoiRange(mText, 0, 59)
	if !ok1 || !ok2 || !ok3 {
		return instant{}, false
	}
	t.sec += h*3600 + m*60 - offset
	if hasSec {
		secText, frac, hasFrac := strings.Cut(secText, ".")
		sec, ok := atoiRange(secText, 0, 60)
		if !ok {
			return instant{}, false
		}
		t.sec += sec
		if hasFrac {
			ns, ok := atoiRange(frac, 0, 999999999)
			if !ok || len(frac) > 9 {
				return instant{}, false
			}
			for i := len(frac); i < 9; i++ {
				ns *= 10
			}
			t.nsec = int32(ns)
		}
	}
	return t, true
}

// splitZone separates a time of day from its zone designator and returns
// the zone's offset east of UTC in seconds. No designator means UTC.
func splitZone(s string) (clock string, offset int64, ok bool) {
	if n := len(s); n > 0 && (s[n-1] == 'Z' || s[n-1] == 'z') {
		return s[:n-1], 0, true
	}
	i := strings.LastIndexAny(s, "+-")
	if i < 0 {
		return s, 0, true
	}
	sign := int64(1)
	if s[i] == '-' {
		sign = -1
	}
	zone := s[i+1:]
	hText, mText := zone, ""
	switch {
	case len(zone) == 5 && zone[2] == ':':
		hText, mText = zone[:2], zone[3:]
	case len(zone) == 4:
		hText, mText = zone[:2], zone[2:]
	case len(zone) != 2:
		return "", 0, false
	}
	h, ok1 := atoiRange(hText, 0, 23)
	m, ok2 := int64(0), true
	if mText != "" {
		m, ok2 = atoiRange(mText, 0, 59)
	}
	return s[:i], sign * (h*3600 + m*60), ok1 && ok2
}

func atoiRange(s string, lo, hi int64) (int64, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n >= lo && n <= hi
}

// daysFromCivil counts days from 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's algorithm), valid far beyond time.Time's range.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// isPlainDecimal accepts an optional sign, digits and an optional fraction:
// the numeric forms iamd takes on write (section 4.3).
func isPlainDecimal(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	whole, frac, hasFrac := strings.Cut(s, ".")
	digits := func(t string) bool {
		for i := 0; i < len(t); i++ {
			if t[i] < '0' || t[i] > '9' {
				return false
			}
		}
		return true
	}
	if !digits(whole) || !digits(frac) {
		return false
	}
	return whole != "" && (!hasFrac || frac != "")
}

// parseNumber reads a numeric condition or context value.
func parseNumber(s string) (float64, bool) {
	if !isPlainDecimal(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// parsePrefix reads an IpAddress value: a CIDR, or an address meaning /32
// (IPv4) or /128 (IPv6, section 12.5).
func parsePrefix(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}
