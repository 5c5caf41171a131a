// Package iamapi is the IAM API (2010-05-08) as the AWS Query protocol
// carries it, generated from the AWS model by internal/apigen: a struct per
// input, output and nested structure (optional members are pointers, so
// an omitted parameter means "unchanged"), decoding and validation of
// requests with AWS's ValidationError messages, XML encoding of outputs in
// the model's order, the modelled errors, the Service interface of the
// whole API (with UnimplementedIAMService to embed), and Dispatch, which
// has a required Authorizer authorize each decoded input before the
// operation runs.
package iamapi

//go:generate go run ../../internal/apigen -only iam
