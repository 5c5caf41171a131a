// Package stsapi is the STS API (2011-06-15) as the AWS Query protocol
// carries it, generated from the AWS model by internal/apigen, like
// package iamapi.
package stsapi

//go:generate go run ../../internal/apigen -only sts
