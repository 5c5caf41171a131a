package sts

import (
	"encoding/json"
	"testing"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/oidc"
)

func TestWebIdentityTags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		claim   string // JSON of the https://aws.amazon.com/tags claim; "" for none
		tags    map[string]string
		keys    []string // the condition keys set
		wantErr bool
	}{
		{"no claim", "", nil, nil, false},
		{"tags and transitive keys", `{"principal_tags":{"team":["red"],"env":["prod"]},"transitive_tag_keys":["team"]}`,
			map[string]string{"team": "red", "env": "prod"}, []string{"aws:RequestTag/team", "aws:RequestTag/env", "aws:TagKeys", "sts:TransitiveTagKeys"}, false},
		{"two values", `{"principal_tags":{"team":["a","b"]}}`, nil, nil, true},
		{"aws: prefix", `{"principal_tags":{"aws:x":["a"]}}`, nil, nil, true},
		{"transitive key not a tag", `{"principal_tags":{"a":["1"]},"transitive_tag_keys":["b"]}`, nil, nil, true},
		{"not an object", `"team=red"`, nil, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			claims := oidc.Claims{}
			if tc.claim != "" {
				var v any
				if err := json.Unmarshal([]byte(tc.claim), &v); err != nil {
					t.Fatal(err)
				}
				claims[claimTags] = v
			}
			sess, keys := &iam.Session{}, map[string][]string{}
			err := webIdentityTags(claims, sess, keys)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if len(sess.Tags) != len(tc.tags) {
				t.Fatalf("tags %v, want %v", sess.Tags, tc.tags)
			}
			for k, v := range tc.tags {
				if sess.Tags[k] != v {
					t.Errorf("tag %s = %q, want %q", k, sess.Tags[k], v)
				}
			}
			for _, k := range tc.keys {
				if len(keys[k]) == 0 {
					t.Errorf("condition key %s not set: %v", k, keys)
				}
			}
		})
	}
}
