// Package stsapi holds the STS API's shapes and its AWS Query protocol code,
// generated from the AWS model by internal/apigen (see package iamapi).
package stsapi

//go:generate go run ../../internal/apigen -model ../model/sts-2011-06-15.json.gz -pkg stsapi -out api_gen.go -skip-pattern sessionPolicyDocumentType,unrestrictedSessionPolicyDocumentType
