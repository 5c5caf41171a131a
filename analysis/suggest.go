package analysis

import "strings"

// CheckAction reports whether the catalogue knows an action (or, for a
// pattern, whether it matches one) and, when it does not, the closest
// action it knows ("" when nothing is close): s3:GetObjekt -> s3:GetObject.
func CheckAction(action string) (known bool, closest string) {
	loadActions()
	if strings.ContainsAny(action, "*?") {
		if len(ExpandAction(action)) > 0 {
			return true, ""
		}
	}
	svc, name, ok := strings.Cut(action, ":")
	if !ok {
		return false, ""
	}
	svc = strings.ToLower(svc)
	acts, ok := bySvc[svc]
	if !ok {
		// An unknown prefix: the closest prefix, with the action checked there.
		best, bd := "", 3
		for prefix := range bySvc {
			if d := distance(svc, prefix); d < bd || d == bd && best != "" && prefix < best {
				best, bd = prefix, d
			}
		}
		if best == "" {
			return false, ""
		}
		if k, c := CheckAction(best + ":" + name); k {
			return false, best + ":" + name
		} else if c != "" {
			return false, c
		}
		return false, ""
	}
	for _, a := range acts {
		if strings.EqualFold(a.Name, action) {
			return true, ""
		}
	}
	if strings.ContainsAny(name, "*?") {
		return false, ""
	}
	best, bd := "", len(name)/3+2
	lower := strings.ToLower(name)
	for _, a := range acts {
		_, n, _ := strings.Cut(a.Name, ":")
		if d := distance(lower, strings.ToLower(n)); d < bd {
			best, bd = a.Name, d
		}
	}
	return false, best
}

// distance is the Levenshtein distance of two strings (bytes).
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// UnknownActionWarning is the warning for an action the catalogue does not
// know ("" when it knows it).
func UnknownActionWarning(action string) string {
	known, closest := CheckAction(action)
	if known {
		return ""
	}
	msg := action + " is not an action of the Service Authorization Reference: nothing allows it"
	if closest != "" {
		msg += "; did you mean " + closest + "?"
	}
	return msg
}
