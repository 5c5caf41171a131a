package arn

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want ARN
		err  bool
	}{
		{in: "arn:aws:iam::123456789012:user/division/alice", want: ARN{"aws", "iam", "", "123456789012", "user/division/alice"}},
		{in: "arn:aws:s3:::bucket/a/b:c", want: ARN{"aws", "s3", "", "", "bucket/a/b:c"}},
		{in: "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s", want: ARN{"aws", "logs", "us-east-1", "1", "log-group:g:log-stream:s"}},
		{in: "arn:aws-cn:sts::1:assumed-role/r/s", want: ARN{"aws-cn", "sts", "", "1", "assumed-role/r/s"}},
		{in: "arn:aws:s3::bucket", err: true},
		{in: "aws:s3:::bucket", err: true},
		{in: "", err: true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.err {
			t.Fatalf("Parse(%q) err = %v", tt.in, err)
		}
		if err == nil {
			if got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		}
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"", "", true},
		{"*", "", true},
		{"*", "anything:at/all", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "abbc", false},
		{"*Object", "DeleteObject", true},
		{"*Object", "DeleteObjectVersion", false},
		{"*AccessKey*", "ListAccessKeys", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
		{"abc", "ABC", false},
		{"**", "x", true},
		{"*?", "", false},
		{"caf?", "café", true},
		{"caf??", "café", false},
		{"home/${aws:username}/*", "home/${aws:username}/x", true},
	}
	for _, tt := range tests {
		if got := Glob(tt.p, tt.s); got != tt.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", tt.p, tt.s, got, tt.want)
		}
	}
	if !GlobFold("IAM:list*", "iam:ListAccessKeys") {
		t.Error("GlobFold should ignore case")
	}
}

func TestLike(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"*", "whatever", true},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", true},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false},
		{"arn:aws:someservice:*:111122223333:finance/*", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt", false},
		{"arn:aws:dynamodb:*:111122223333:table/t", "arn:aws:dynamodb:eu-west-1:111122223333:table/t", true},
		{"arn:aws:iam::*:user/*", "arn:aws:iam::1:user/division/alice", true},
		{"arn:aws:s3:*", "arn:aws:s3:::b", false},
		{"arn:aws:s3:::B*", "arn:aws:s3:::bucket", false},
		{"arn:aws:logs:*:*:log-group:g:*", "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s", true},
	}
	for _, tt := range tests {
		if got := Like(tt.p, tt.s); got != tt.want {
			t.Errorf("Like(%q, %q) = %v, want %v", tt.p, tt.s, got, tt.want)
		}
	}
}

func TestPartitionForRegion(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1": "aws", "": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov",
		"us-isob-east-1": "aws-iso-b", "us-iso-east-1": "aws-iso",
	} {
		if got := PartitionForRegion(region); got != want {
			t.Errorf("PartitionForRegion(%q) = %q, want %q", region, got, want)
		}
	}
}

func BenchmarkLike(b *testing.B) {
	for b.Loop() {
		Like("arn:aws:s3:::bucket-0*/prefix/*", "arn:aws:s3:::bucket-07/prefix/dir/file.json")
	}
}
