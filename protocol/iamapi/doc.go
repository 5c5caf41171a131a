// Package iamapi holds the IAM API's shapes and its AWS Query protocol code,
// generated from the AWS model by internal/apigen: a struct per input,
// output and nested structure, input decoding and validation with AWS's
// ValidationError messages, XML encoding of outputs, the modelled errors,
// and Dispatch, which calls the operations a service implements.
//
// Policy documents are not checked against the model's character pattern
// here: the policy engine rejects bad characters with AWS's
// MalformedPolicyDocument, as IAM does.
package iamapi

//go:generate go run ../../internal/apigen -model ../model/iam-2010-05-08.json.gz -pkg iamapi -out api_gen.go -skip-pattern policyDocumentType
