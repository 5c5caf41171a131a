package arn

import "regexp"

// partitionRegions is which signing regions each partition serves, as the
// AWS SDKs' partitions data has them: the regions its regular expression
// matches, and its global pseudo-region (aws-global, aws-cn-global, ...).
var partitionRegions = map[string]struct {
	re     *regexp.Regexp
	global string
}{
	"aws":        {regexp.MustCompile(`^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$`), "aws-global"},
	"aws-cn":     {regexp.MustCompile(`^cn\-\w+\-\d+$`), "aws-cn-global"},
	"aws-us-gov": {regexp.MustCompile(`^us\-gov\-\w+\-\d+$`), "aws-us-gov-global"},
	"aws-iso":    {regexp.MustCompile(`^us\-iso\-\w+\-\d+$`), "aws-iso-global"},
	"aws-iso-b":  {regexp.MustCompile(`^us\-isob\-\w+\-\d+$`), "aws-iso-b-global"},
	"aws-iso-e":  {regexp.MustCompile(`^eu\-isoe\-\w+\-\d+$`), "aws-iso-e-global"},
	"aws-iso-f":  {regexp.MustCompile(`^us\-isof\-\w+\-\d+$`), "aws-iso-f-global"},
	"aws-eusc":   {regexp.MustCompile(`^eusc\-(de)\-\w+\-\d+$`), ""}, // no global pseudo-region
}

// RegionInPartition reports whether region is one partition serves, so
// that a request signed for it may be served by a deployment of that
// partition. An unknown partition serves no region.
func RegionInPartition(region, partition string) bool {
	p, ok := partitionRegions[partition]
	if !ok || region == "" {
		return false
	}
	return region == p.global || p.re.MatchString(region)
}
