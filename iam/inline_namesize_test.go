package iam

import (
	"encoding/json"
	"testing"
)

// inlineNameSize reads what json.Unmarshal would from every record
// json.Marshal writes, including documents that spell the record's own
// field names, and declines the shapes it does not know.
func TestInlineNameSize(t *testing.T) {
	for _, doc := range []string{
		`{"Version":"2012-10-17"}`,
		`x","size":5}`, `","size":7}`, `\","size":9}`, `\\","size":11}`, `"size":1}`, `<&>` + "\n\t\u00e9",
	} {
		for _, size := range []int{1, 42, 131072} {
			rec, err := json.Marshal(&InlinePolicy{Name: "p+=,.@-_1", Document: doc, Size: size})
			if err != nil {
				t.Fatal(err)
			}
			var want nameSize
			if err := json.Unmarshal(rec, &want); err != nil {
				t.Fatal(err)
			}
			got, ok := inlineNameSize(rec)
			if !ok || got != want {
				t.Errorf("%s: got %+v, %v; want %+v", rec, got, ok, want)
			}
		}
	}
	for _, rec := range []string{
		`{"name":"old","document":"{}"}`,          // written before sizes were kept
		`{"name":"o\"ld","document":"","size":3}`, // not a name json.Marshal writes unescaped
		`{"document":"","name":"a","size":3}`,
		`{"name":"a","document":"","size":3,"x":1}`,
		`{"name":"a","document":"","size":-3}`,
		`{"name":"a","document":"","size":}`,
		`{"name":"a`,
	} {
		if got, ok := inlineNameSize([]byte(rec)); ok {
			t.Errorf("%s: read %+v, want a decline", rec, got)
		}
	}
}

// BenchmarkInlineNameSize is the quota's read of one existing inline
// policy in the writer (a 500-byte document), by inlineNameSize and by
// json.Unmarshal as before.
func BenchmarkInlineNameSize(b *testing.B) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:ListBucket"],"Resource":["arn:aws:s3:::reports-bucket","arn:aws:s3:::reports-bucket/*"],"Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}},{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}},{"Effect":"Allow","Action":"dynamodb:Query","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/orders"}]}`
	rec, _ := json.Marshal(&InlinePolicy{Name: "p1", Document: doc, Size: 500})
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := inlineNameSize(rec); !ok {
				b.Fatal("declined")
			}
		}
	})
	b.Run("unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var p nameSize
			if err := json.Unmarshal(rec, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
