package iam

// resources_gen.go maps every IAM action to the resource type it is
// authorized on; internal/iamresgen's test fails when it is stale.
//go:generate go run ../internal/iamresgen resources_gen.go
