package tfplan

import "testing"

func TestParse(t *testing.T) {
	plan := `{"format_version":"1.2","resource_changes":[
 {"address":"aws_iam_policy.p","mode":"managed","type":"aws_iam_policy","change":{"actions":["update"],"before":{"policy":"OLD"},"after":{"policy":"NEW"},"after_unknown":{}}},
 {"address":"aws_iam_policy.gone","mode":"managed","type":"aws_iam_policy","change":{"actions":["delete"],"before":{"policy":"OLD"},"after":null}},
 {"address":"data.aws_iam_policy_document.d","mode":"data","type":"aws_iam_policy_document","change":{"actions":["read"],"after":{"json":"{}"}}},
 {"address":"aws_s3_bucket_policy.b","mode":"managed","type":"aws_s3_bucket_policy","change":{"actions":["create"],"before":null,"after":{"policy":"B"},"after_unknown":{}}},
 {"address":"aws_organizations_policy.tags","mode":"managed","type":"aws_organizations_policy","change":{"actions":["create"],"after":{"type":"TAG_POLICY","content":"{}"}}},
 {"address":"aws_organizations_policy.rcp","mode":"managed","type":"aws_organizations_policy","change":{"actions":["create"],"after":{"type":"RESOURCE_CONTROL_POLICY","content":"R"}}},
 {"address":"aws_sqs_queue.q","mode":"managed","type":"aws_sqs_queue","change":{"actions":["create"],"after":{"policy":""},"after_unknown":{}}},
 {"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","change":{"actions":["create"],"after":{},"after_unknown":{"policy":true}}},
 {"address":"aws_iam_role.r","mode":"managed","type":"aws_iam_role","change":{"actions":["update"],
   "before":{"assume_role_policy":"T0","inline_policy":[{"name":"a","policy":"A0"}]},
   "after":{"assume_role_policy":"T1","inline_policy":[{"name":"b","policy":"B1"},{"name":"a","policy":"A1"}]},"after_unknown":{}}}
]}`
	docs, err := Parse([]byte(plan))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		addr, attr   string
		kind         Kind
		rt           string
		after, prior string // "" for nil
	}
	wants := []want{
		{"aws_iam_policy.p", "policy", Identity, "", "NEW", "OLD"},
		{"aws_iam_role.r", "assume_role_policy", Resource, "AWS::IAM::AssumeRolePolicyDocument", "T1", "T0"},
		{"aws_iam_role.r", "inline_policy[0].policy", Identity, "", "B1", ""},
		{"aws_iam_role.r", "inline_policy[1].policy", Identity, "", "A1", "A0"},
		{"aws_kms_key.k", "policy", Resource, "", "", ""},
		{"aws_organizations_policy.rcp", "content", RCP, "", "R", ""},
		{"aws_s3_bucket_policy.b", "policy", Resource, "AWS::S3::Bucket", "B", ""},
	}
	if len(docs) != len(wants) {
		t.Fatalf("%d documents: %+v", len(docs), docs)
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	for i, w := range wants {
		d := docs[i]
		if d.Address != w.addr || d.Attribute != w.attr || d.Kind != w.kind || d.ResourceType != w.rt || str(d.After) != w.after || str(d.Before) != w.prior {
			t.Errorf("%d: %+v after=%q before=%q, want %+v", i, d, str(d.After), str(d.Before), w)
		}
	}
	for _, bad := range []string{`[]`, `{}`, `not json`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
