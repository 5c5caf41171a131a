package arn

import "testing"

func TestRegionInPartition(t *testing.T) {
	for _, c := range []struct {
		region, partition string
		want              bool
	}{
		{"us-east-1", "aws", true},
		{"eu-west-1", "aws", true},
		{"il-central-1", "aws", true},
		{"mx-central-1", "aws", true},
		{"aws-global", "aws", true},
		{"cn-north-1", "aws", false},
		{"us-gov-west-1", "aws", false},
		{"us-iso-east-1", "aws", false},
		{"us-isob-east-1", "aws", false},
		{"eu-isoe-west-1", "aws", false},
		{"eusc-de-east-1", "aws", false},
		{"aws-cn-global", "aws", false},
		{"us-east-1-fips", "aws", false},
		{"", "aws", false},
		{"foo", "aws", false},
		{"cn-north-1", "aws-cn", true},
		{"cn-northwest-1", "aws-cn", true},
		{"aws-cn-global", "aws-cn", true},
		{"us-east-1", "aws-cn", false},
		{"us-gov-west-1", "aws-us-gov", true},
		{"aws-us-gov-global", "aws-us-gov", true},
		{"us-east-1", "aws-us-gov", false},
		{"us-iso-east-1", "aws-iso", true},
		{"us-isob-east-1", "aws-iso-b", true},
		{"us-isob-east-1", "aws-iso", false},
		{"eu-isoe-west-1", "aws-iso-e", true},
		{"us-isof-south-1", "aws-iso-f", true},
		{"eusc-de-east-1", "aws-eusc", true},
		{"eusc-fr-east-1", "aws-eusc", false},
		{"us-east-1", "nope", false},
	} {
		if got := RegionInPartition(c.region, c.partition); got != c.want {
			t.Errorf("RegionInPartition(%q, %q) = %v, want %v", c.region, c.partition, got, c.want)
		}
	}
	// Every partition IAM knows has its regions.
	for _, p := range Partitions {
		if _, ok := partitionRegions[p]; !ok {
			t.Errorf("partition %s has no regions", p)
		}
	}
}
