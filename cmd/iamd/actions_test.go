package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestActionsCommand(t *testing.T) {
	cmd := newActionsCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"s3"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ListObjectsV2 *", "s3:ListBucket", "arn:${Partition}:s3:::${BucketName}", "s3:prefix", "CopyObject *"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	cmd = newActionsCommand()
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SetArgs([]string{"nosuch"})
	if err := cmd.Execute(); err == nil {
		t.Error("an unknown service is no error")
	}
}
