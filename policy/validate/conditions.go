package validate

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// opFamily is the type a base condition operator compares.
var opFamily = map[string]string{
	"stringequals": "String", "stringnotequals": "String", "stringequalsignorecase": "String", "stringnotequalsignorecase": "String",
	"stringlike": "String", "stringnotlike": "String",
	"numericequals": "Numeric", "numericnotequals": "Numeric", "numericlessthan": "Numeric", "numericlessthanequals": "Numeric",
	"numericgreaterthan": "Numeric", "numericgreaterthanequals": "Numeric",
	"dateequals": "Date", "datenotequals": "Date", "datelessthan": "Date", "datelessthanequals": "Date",
	"dategreaterthan": "Date", "dategreaterthanequals": "Date",
	"bool": "Bool", "binaryequals": "Binary", "ipaddress": "IPAddress", "notipaddress": "IPAddress",
	"arnequals": "ARN", "arnlike": "ARN", "arnnotequals": "ARN", "arnnotlike": "ARN", "null": "Null",
}

// exactOps compare without wildcards: a '*' in their values is literal.
var exactOps = map[string]bool{"stringequals": true, "stringnotequals": true, "stringequalsignorecase": true,
	"stringnotequalsignorecase": true} // ArnEquals matches wildcards as ArnLike does

type condOp struct {
	name     string // as written
	base     string // lower-cased base operator
	qual     string // "", "forallvalues", "foranyvalue"
	ifExists bool
	family   string // "" when unknown
}

func parseOp(s string) condOp {
	o := condOp{name: s}
	rest := s
	if q, r, ok := strings.Cut(rest, ":"); ok {
		switch strings.ToLower(q) {
		case "forallvalues", "foranyvalue":
			o.qual, rest = strings.ToLower(q), r
		default:
			return o
		}
	}
	l := strings.ToLower(rest)
	if strings.HasSuffix(l, "ifexists") {
		o.ifExists, l = true, strings.TrimSuffix(l, "ifexists")
	}
	o.base, o.family = l, opFamily[l]
	return o
}

func (c *checker) condition(s *stmt, n *node, p path) {
	s.condKeys = map[string]bool{}
	if n.kind != kObject {
		c.add("DATA_TYPE_MISMATCH", n, p, "The text does not match the expected JSON data type Object.")
		return
	}
	if len(n.obj) == 0 {
		c.add("EMPTY_OBJECT_CONDITION", n, p, "This condition block is empty and it does not affect the policy. Specify conditions.")
		return
	}
	for i := range n.obj {
		for _, k := range n.obj[i].val.obj {
			s.condKeys[strings.ToLower(k.key)] = true
		}
	}
	for i := range n.obj {
		m := &n.obj[i]
		op := parseOp(m.key)
		if op.family == "" {
			c.addKey("INVALID_CONDITION_OPERATOR", m, p, "The condition operator "+m.key+" is not valid. Use a valid condition operator.")
			continue
		}
		op.name = m.key
		opp := p.value(m.key)
		if op.family == "Null" && op.ifExists {
			c.addKey("NULL_WITH_IF_EXISTS", m, p, "The Null condition operator cannot be used with the IfExists suffix. Update the operator or the suffix.")
		}
		if op.family == "Null" && op.qual != "" {
			c.addKey("NULL_WITH_QUALIFIER", m, p, "Avoid using the Null condition operator with the ForAllValues or ForAnyValue qualifiers because they always return a true or false respectively.")
		}
		if m.val.kind != kObject {
			c.add("DATA_TYPE_MISMATCH", m.val, opp, "The text does not match the expected JSON data type Object.")
			continue
		}
		if len(m.val.obj) == 0 {
			c.add("EMPTY_OBJECT_CONDITION", m.val, opp, "This condition block is empty and it does not affect the policy. Specify conditions.")
		}
		seen := map[string]string{}
		for j := range m.val.obj {
			k := &m.val.obj[j]
			if prev, ok := seen[strings.ToLower(k.key)]; ok && prev != k.key {
				c.addKey("DUPLICATE_KEYS_WITH_DIFFERENT_CASE", k, opp, "The condition key "+k.key+" appears more than once with different capitalization in the same condition block. Remove the duplicate condition keys.")
			}
			seen[strings.ToLower(k.key)] = k.key
			c.conditionEntry(s, op, k, opp)
		}
	}
}

// keyType finds a condition key's type: global keys from AWS's list,
// service keys from the catalogue. ok is false when the key is not valid
// (a finding was added).
func (c *checker) keyType(k *member, p path) (typ string, ok bool) {
	key := k.key
	prefix, name, found := strings.Cut(key, ":")
	if !found || prefix == "" || name == "" {
		c.addKey("INVALID_CONDITION_KEY_FORMAT", k, p, "The condition key format "+key+" is not valid. Use the format service:keyname.")
		return "", false
	}
	// Identity providers' claims (accounts.google.com:sub,
	// token.actions.githubusercontent.com:sub, ...) are named by host;
	// SAML's and iamd's keys are not in the catalogue.
	lp := strings.ToLower(prefix)
	if strings.ContainsAny(prefix, "./") || lp == "saml" || lp == "iamd" {
		return "String", true
	}
	if lp == "aws" {
		if strings.EqualFold(key, "aws:ARN") {
			c.addKey("DEPRECATED_GLOBAL_CONDITION_KEY", k, p, "We recommend that you update aws:ARN to use the newer condition keys aws:PrincipalArn or aws:SourceArn.")
			return "ARN", true
		}
		t, missingTag := globalKeyType(key)
		switch {
		case missingTag:
			c.addKey("MISSING_TAG_KEY_IN_CONDITION", k, p, "The condition key "+key+" must include a tag key to control access based on tags. Use the format "+strings.TrimSuffix(key, "/")+"/tag-key and specify a key name for tag-key.")
			return "", false
		case t == "":
			c.addKey("INVALID_GLOBAL_CONDITION_KEY", k, p, "The condition key "+key+" does not exist. Use a valid condition key.")
			return "", false
		}
		return t, true
	}
	svc := c.cat.Services[lp]
	if svc == nil {
		c.addKey("INVALID_SERVICE", k, p, "The service "+prefix+" does not exist. Use a valid service name.")
		return "", false
	}
	lk := strings.ToLower(key)
	for ck, info := range svc.ConditionKeys {
		l := strings.ToLower(ck)
		if l == lk {
			return info.Type, true
		}
		// Templated keys: s3:ExistingObjectTag/<key>, aws:RequestTag/${TagKey}.
		if i := strings.IndexAny(l, "<$"); i > 0 && strings.HasPrefix(lk, l[:i]) && len(lk) > i {
			return info.Type, true
		}
	}
	if t, _ := globalKeyType("aws:" + name); t != "" && (strings.HasPrefix(strings.ToLower(name), "resourcetag/") || strings.HasPrefix(strings.ToLower(name), "requesttag/")) {
		return t, true
	}
	c.addKey("INVALID_SERVICE_CONDITION_KEY", k, p, "The condition key "+key+" does not exist in the service "+prefix+". Use a valid condition key.")
	return "", false
}

// compatible reports whether an operator family fits a key type.
func compatible(family, typ string) bool {
	t := strings.TrimPrefix(typ, "ArrayOf")
	switch family {
	case "Null":
		return true
	case "String":
		return t == "String" || t == "ARN"
	case "ARN":
		return t == "ARN" || t == "String" // ARN operators compare strings as ArnLike patterns
	case "Numeric":
		return t == "Numeric" || t == "Long" || t == "Integer"
	case "Date":
		return t == "Date"
	case "Bool":
		return t == "Bool" || t == "Boolean"
	case "IPAddress":
		return t == "IPAddress"
	case "Binary":
		return t == "Binary"
	}
	return false
}

func (c *checker) conditionEntry(s *stmt, op condOp, k *member, p path) {
	kp := p.value(k.key)
	vals, ok := c.condValues(k.val, kp)
	if !ok {
		return
	}
	if len(vals) == 0 {
		code := "EMPTY_ARRAY_CONDITION"
		details := "There are no values for the condition key " + k.key + " and it does not affect the policy. Specify conditions."
		switch {
		case op.qual == "forallvalues":
			code, details = "EMPTY_ARRAY_CONDITION_FORALLVALUES", "The ForAllValues prefix with an empty condition key "+k.key+" matches only if the key is missing from the request context. To determine if the request context is empty, we recommend that you use the Null condition operator with the value of true instead."
		case op.qual == "foranyvalue":
			code, details = "EMPTY_ARRAY_CONDITION_FORANYVALUE", "The ForAnyValue prefix with an empty condition key "+k.key+" never matches the request context and it does not affect the policy. Specify conditions."
		case op.ifExists:
			code, details = "EMPTY_ARRAY_CONDITION_IFEXISTS", "The IfExists suffix with an empty condition key "+k.key+" matches only if the key is missing from the request context. To determine if the request context is empty, we recommend that you use the Null condition operator with the value of true instead."
		}
		c.add(code, k.val, kp, details)
	}
	typ, known := c.keyType(k, p)
	lk := strings.ToLower(k.key)
	if known && !compatible(op.family, typ) {
		c.addKey("TYPE_MISMATCH", k, p, fmt.Sprintf("Use the operator type %s instead of operator %s for the condition key %s.", operatorFor(typ), op.name, k.key))
	}
	if known && op.qual == "forallvalues" && s.effect == "Allow" && !strings.HasPrefix(typ, "ArrayOf") && typ != "" && op.family != "Null" {
		c.add("FORALLVALUES_WITH_SINGLE_VALUED_KEY", k.val, kp, "Using ForAllValues qualifier with the single-valued condition key "+k.key+" can be overly permissive. We recommend that you remove ForAllValues:.")
	}
	if op.ifExists && alwaysPresent[lk] {
		c.addKey("IF_EXISTS_ON_ALWAYS_PRESENT_KEY", k, p, "The condition key "+k.key+" is present in every request, so "+op.name+" tests the same as the operator without IfExists. Remove IfExists.")
	}
	if others := pairedKeys[lk]; others != nil {
		found := false
		for _, o := range others {
			found = found || s.condKeys[strings.ToLower(o)]
		}
		if !found {
			c.addKey("MISSING_PAIRED_CONDITION_KEYS", k, p, "Using the condition key "+k.key+" can be overly permissive without also using the following condition keys: "+strings.Join(others, ", ")+". Condition keys like this one are more secure when paired with a related key. We recommend that you add the related condition keys to the same condition block.")
		}
	}
	switch op.family {
	case "Bool", "Null":
		for _, v := range vals {
			if l := strings.ToLower(v.s); l != "true" && l != "false" {
				c.add("TYPE_MISMATCH_BOOLEAN", v.n, v.p, "Add a valid Boolean value (true or false) for the condition operator "+op.name+".")
			}
		}
		if len(vals) > 1 {
			code := "INVALID_CONDITION_MULTIPLE_BOOLEAN"
			if op.family == "Null" {
				code = "INVALID_CONDITION_MULTIPLE_NULL"
			}
			c.add(code, k.val, kp, "The condition key "+k.key+" does not support multiple Boolean values. Use a single Boolean value.")
		}
	case "Numeric":
		for _, v := range vals {
			if hasVariable(v.s) {
				c.add("INVALID_VARIABLE_FOR_OPERATOR", v.n, v.p, "Policy variables can only be used with String and ARN operators.")
				continue
			}
			if _, err := strconv.ParseFloat(v.s, 64); err != nil {
				c.add("TYPE_MISMATCH_NUMBER", v.n, v.p, "Add a valid numeric value for the condition operator "+op.name+".")
			}
		}
		if len(vals) > 1 && strings.Contains(op.base, "than") {
			c.add("REDUNDANT_CONDITION_VALUE_NUM", k.val, kp, "Multiple values in "+op.name+" are redundant. Replace with the greatest/least single value for "+k.key+".")
		}
	case "Date":
		for _, v := range vals {
			if hasVariable(v.s) {
				c.add("INVALID_VARIABLE_FOR_OPERATOR", v.n, v.p, "Policy variables can only be used with String and ARN operators.")
				continue
			}
			if !validDate(v.s) {
				c.add("TYPE_MISMATCH_DATE", v.n, v.p, "The date condition operator is used with an invalid value. Specify a valid date using YYYY-MM-DD or other ISO 8601 date/time format.")
			} else if v.n.kind == kNumber || isDigits(v.s) {
				c.add("INVALID_DATE_VALUE", v.n, v.p, "The date "+v.s+" might not resolve as expected. We recommend that you use the YYYY-MM-DD format.")
			}
		}
	case "IPAddress":
		c.ipValues(op, k, kp, vals)
	case "String", "ARN":
		for _, v := range vals {
			c.variables(v)
		}
		if exactOps[op.base] {
			for _, v := range vals {
				if hasWildcard(withoutVariables(v.s)) {
					c.add("WILDCARD_WITHOUT_LIKE_OPERATOR", v.n, v.p, "Your condition value includes a * or ? character. If you meant to use a wildcard (*, ?), update the condition operator to include Like.")
				}
			}
		}
		if c.version != "2012-10-17" {
			for _, v := range vals {
				if hasVariable(v.s) {
					c.add("VARIABLE_UNSUPPORTED_IN_VERSION", v.n, v.p, "To include variables in your policy, use the policy version 2012-10-17 or later.")
				}
			}
		}
	}
}

func operatorFor(typ string) string {
	switch strings.TrimPrefix(typ, "ArrayOf") {
	case "ARN":
		return "ARN"
	case "Numeric":
		return "Numeric"
	case "Date":
		return "Date"
	case "Bool":
		return "Bool"
	case "IPAddress":
		return "IpAddress"
	}
	return "String"
}

// condValues reads a condition's values: a string, number or boolean, or
// an array of them.
func (c *checker) condValues(n *node, p path) ([]str, bool) {
	scalar := func(e *node) bool { return e.kind == kString || e.kind == kNumber || e.kind == kBool }
	if scalar(n) {
		return []str{{s: n.str, n: n, p: p}}, true
	}
	if n.kind != kArray {
		c.add("DATA_TYPE_MISMATCH", n, p, "The text does not match the expected JSON data type Array.")
		return nil, false
	}
	out := make([]str, 0, len(n.arr))
	for i, e := range n.arr {
		if !scalar(e) {
			c.add("DATA_TYPE_MISMATCH", e, p.index(i), "The text does not match the expected JSON data type String.")
			continue
		}
		out = append(out, str{s: e.str, n: e, p: p.index(i)})
	}
	return out, true
}

func hasVariable(s string) bool { return strings.Contains(s, "${") }

func withoutVariables(s string) string {
	if !hasVariable(s) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return b.String()
		}
		s = s[i+j+1:]
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var dateLayouts = []string{"2006-01-02", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01"}

func validDate(s string) bool {
	if isDigits(s) {
		return true // epoch seconds
	}
	for _, l := range dateLayouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}

func (c *checker) ipValues(op condOp, k *member, kp path, vals []str) {
	private, public := 0, 0
	for _, v := range vals {
		pfx, err := netip.ParsePrefix(v.s)
		if err != nil {
			addr, aerr := netip.ParseAddr(v.s)
			if aerr != nil {
				c.add("TYPE_MISMATCH_IP_RANGE", v.n, v.p, "The condition operator "+op.name+" is used with an invalid IP range value. Specify the IP range in standard CIDR format.")
				continue
			}
			pfx = netip.PrefixFrom(addr, addr.BitLen())
		} else if pfx.Masked() != pfx {
			c.add("IMPROVE_IP_RANGE", v.n, v.p, "The non-zero bits in the IP address after the masked bits are ignored. Replace address "+v.s+" with "+pfx.Masked().String()+".")
		}
		if a := pfx.Masked().Addr(); a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() {
			private++
		} else {
			public++
		}
	}
	if !strings.EqualFold(k.key, "aws:SourceIp") || private == 0 {
		return
	}
	not := op.base == "notipaddress"
	switch {
	case public == 0 && !not:
		c.add("PRIVATE_IP_ADDRESS", k.val, kp, "aws:SourceIp works only for public IP address ranges. The values for condition key aws:SourceIp include only private IP addresses and will not have the desired effect. Update the value to include only public IP addresses.")
	case public == 0:
		c.add("PRIVATE_NOT_IP_ADDRESS", k.val, kp, "The values for condition key aws:SourceIp include only private IP addresses and has no effect. aws:SourceIp works only for public IP address ranges. Update the value to include only public IP addresses.")
	case !not:
		c.add("PRIVATE_IP_ADDRESS_SUBSET", k.val, kp, "The values for condition key aws:SourceIp include a mix of private and public IP addresses. The private addresses will not have the desired effect. aws:SourceIp works only for public IP address ranges. To define permissions for private IP ranges, use aws:VpcSourceIp.")
	default:
		c.add("PRIVATE_NOT_IP_ADDRESS_SUBSET", k.val, kp, "The values for condition key aws:SourceIp include a mix of private and public IP addresses. The private addresses have no effect. aws:SourceIp works only for public IP address ranges. To define permissions for private IP ranges, use aws:VpcSourceIp.")
	}
}
