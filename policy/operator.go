package policy

import (
	"fmt"
	"strings"
)

// family is the type of comparison an operator makes (section 4.3).
type family uint8

const (
	famString family = iota
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famArn
	famNull
)

// cmp is the comparison within a family.
type cmp uint8

const (
	cmpEquals cmp = iota
	cmpEqualsFold
	cmpLike
	cmpLess
	cmpLessEq
	cmpGreater
	cmpGreaterEq
)

type setQualifier uint8

const (
	setNone setQualifier = iota
	setForAll
	setForAny
)

// operator is a parsed condition operator name such as
// "ForAnyValue:StringNotEqualsIgnoreCaseIfExists".
type operator struct {
	fam      family
	cmp      cmp
	negated  bool
	ifExists bool
	set      setQualifier
}

type baseOp struct {
	fam     family
	cmp     cmp
	negated bool
}

var baseOperators = map[string]baseOp{
	"StringEquals":              {famString, cmpEquals, false},
	"StringNotEquals":           {famString, cmpEquals, true},
	"StringEqualsIgnoreCase":    {famString, cmpEqualsFold, false},
	"StringNotEqualsIgnoreCase": {famString, cmpEqualsFold, true},
	"StringLike":                {famString, cmpLike, false},
	"StringNotLike":             {famString, cmpLike, true},
	"NumericEquals":             {famNumeric, cmpEquals, false},
	"NumericNotEquals":          {famNumeric, cmpEquals, true},
	"NumericLessThan":           {famNumeric, cmpLess, false},
	"NumericLessThanEquals":     {famNumeric, cmpLessEq, false},
	"NumericGreaterThan":        {famNumeric, cmpGreater, false},
	"NumericGreaterThanEquals":  {famNumeric, cmpGreaterEq, false},
	"DateEquals":                {famDate, cmpEquals, false},
	"DateNotEquals":             {famDate, cmpEquals, true},
	"DateLessThan":              {famDate, cmpLess, false},
	"DateLessThanEquals":        {famDate, cmpLessEq, false},
	"DateGreaterThan":           {famDate, cmpGreater, false},
	"DateGreaterThanEquals":     {famDate, cmpGreaterEq, false},
	"Bool":                      {famBool, cmpEquals, false},
	"BinaryEquals":              {famBinary, cmpEquals, false},
	"IpAddress":                 {famIP, cmpEquals, false},
	"NotIpAddress":              {famIP, cmpEquals, true},
	"ArnEquals":                 {famArn, cmpLike, false},
	"ArnLike":                   {famArn, cmpLike, false},
	"ArnNotEquals":              {famArn, cmpLike, true},
	"ArnNotLike":                {famArn, cmpLike, true},
	"Null":                      {famNull, cmpEquals, false},
}

// parseOperator splits an operator name into set qualifier, base operator
// and IfExists. Names are case-sensitive (section 2). Null takes neither a
// set qualifier nor IfExists.
func parseOperator(name string) (operator, error) {
	var op operator
	rest := name
	if q, after, ok := strings.Cut(name, ":"); ok {
		switch q {
		case "ForAllValues":
			op.set = setForAll
		case "ForAnyValue":
			op.set = setForAny
		default:
			return op, fmt.Errorf("unknown set qualifier in condition operator %q", name)
		}
		rest = after
	}
	if b, ok := strings.CutSuffix(rest, "IfExists"); ok {
		op.ifExists = true
		rest = b
	}
	base, ok := baseOperators[rest]
	if !ok || base.fam == famNull && (op.ifExists || op.set != setNone) {
		return op, fmt.Errorf("unknown condition operator %q", name)
	}
	op.fam, op.cmp, op.negated = base.fam, base.cmp, base.negated
	return op, nil
}
