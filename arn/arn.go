// Package arn parses and formats Amazon Resource Names and matches them
// against the wildcard patterns IAM policies use.
//
// An ARN is arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE. It is split on the
// first five colons only: the resource part may itself hold colons and
// slashes (log-group:name:log-stream:s, user/path/name).
package arn

import (
	"errors"
	"strings"
)

// ARN is a parsed Amazon Resource Name.
type ARN struct {
	Partition string
	Service   string
	Region    string
	AccountID string
	Resource  string
}

// ErrMalformed is returned by Parse for text that is not an ARN.
var ErrMalformed = errors.New("arn: malformed ARN")

// Parse splits s into its six parts. It checks only the shape (the "arn"
// prefix and five colons), not that partition or service are known.
func Parse(s string) (ARN, error) {
	p, ok := Split(s)
	if !ok || p[0] != "arn" {
		return ARN{}, ErrMalformed
	}
	return ARN{Partition: p[1], Service: p[2], Region: p[3], AccountID: p[4], Resource: p[5]}, nil
}

// String formats the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.AccountID + ":" + a.Resource
}

// Split cuts s into six colon-separated parts without allocating; the last
// part keeps any further colons. ok is false when s has fewer than five
// colons.
func Split(s string) (parts [6]string, ok bool) {
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(s, ':')
		if j < 0 {
			return parts, false
		}
		parts[i] = s[:j]
		s = s[j+1:]
	}
	parts[5] = s
	return parts, true
}

// PartitionForRegion returns the partition a region belongs to: aws-cn for
// China, aws-us-gov for GovCloud, the ISO partitions by their prefixes, and
// aws for everything else (including an empty region).
func PartitionForRegion(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "us-isof-"):
		return "aws-iso-f"
	case strings.HasPrefix(region, "eusc-"):
		return "aws-eusc"
	}
	return "aws"
}

// Partitions lists the partitions IAM accepts in policy resources.
var Partitions = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

// KnownPartition reports whether p is one of Partitions.
func KnownPartition(p string) bool {
	for _, k := range Partitions {
		if p == k {
			return true
		}
	}
	return false
}
