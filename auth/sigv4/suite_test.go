package sigv4

import (
	"context"
	"strings"
	"testing"
)

// The cases of AWS's published Signature Version 4 test suite (service
// "service", us-east-1, 2015-08-30T12:36:00Z, the documentation's example
// key): each request must verify with AWS's signature, and our canonical
// request must be AWS's.
//
// Left out: get-space and get-utf8, whose paths the suite encodes once
// (S3's rule) while every SDK double-encodes for other services (covered
// by the SDK tests); get-header-value-multiline, which needs obsolete
// header folding; post-x-www-form-urlencoded-parameters, whose published
// signature matches none of its published canonical requests.
func TestAWSSuite(t *testing.T) {
	const (
		date  = "X-Amz-Date:20150830T123600Z\n"
		cred  = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
		empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		token = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
	)
	hostDate := "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"
	unreservedChars := "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	cases := []struct {
		name, request, signedHeaders, signature, canonical string
		token                                              string // expected session token
	}{
		{"get-vanilla", "GET / HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
			"GET\n/\n\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"get-header-key-duplicate", "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value2\nMy-Header1:value2\nMy-Header1:value1\n" + date,
			"host;my-header1;x-amz-date", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
			"GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + empty, ""},
		{"get-header-value-order", "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value4\nMy-Header1:value1\nMy-Header1:value3\nMy-Header1:value2\n" + date,
			"host;my-header1;x-amz-date", "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
			"GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + empty, ""},
		{"get-header-value-trim", "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\nMy-Header2: \"a   b   c\"\n" + date,
			"host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
			"GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n" + empty, ""},
		{"get-unreserved", "GET /" + unreservedChars + " HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
			"GET\n/" + unreservedChars + "\n\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"get-vanilla-empty-query-key", "GET /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
			"GET\n/\nParam1=value1\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"get-vanilla-query-order-key", "GET /?Param1=value2&Param1=Value1 HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1",
			"GET\n/\nParam1=Value1&Param1=value2\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"get-vanilla-query-order-key-case", "GET /?Param2=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
			"GET\n/\nParam1=value1&Param2=value2\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"get-vanilla-query-order-value", "GET /?Param1=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694",
			"GET\n/\nParam1=value1&Param1=value2\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"get-vanilla-query-unreserved", "GET /?" + unreservedChars + "=" + unreservedChars + " HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
			"GET\n/\n" + unreservedChars + "=" + unreservedChars + "\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"get-vanilla-utf8-query", "GET /?%E1%88%B4=bar HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
			"GET\n/\n%E1%88%B4=bar\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"get-vanilla-utf8-query raw bytes", "GET /?ሴ=bar HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
			"GET\n/\n%E1%88%B4=bar\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"post-vanilla", "POST / HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
			"POST\n/\n\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"post-header-key-sort", "POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n" + date, "host;my-header1;x-amz-date",
			"c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
			"POST\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + empty, ""},
		{"post-header-value-case", "POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:VALUE1\n" + date, "host;my-header1;x-amz-date",
			"cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
			"POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + empty, ""},
		{"post-vanilla-query", "POST /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
			"POST\n/\nParam1=value1\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"post-x-www-form-urlencoded", "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\nHost:example.amazonaws.com\n" + date + "Content-Length:13\n\nParam1=value1",
			"content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
			"POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n" + hostDate + "\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e", ""},
		// normalize-path
		{"get-relative", "GET /example/.. HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
			"GET\n/\n\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"get-relative-relative", "GET /example1/example2/../.. HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
			"GET\n/\n\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"get-slash", "GET // HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
			"GET\n/\n\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"get-slash-dot-slash", "GET /./ HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
			"GET\n/\n\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"get-slash-pointless-dot", "GET /./example HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
			"GET\n/example\n\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		{"get-slashes", "GET //example// HTTP/1.1\nHost:example.amazonaws.com\n" + date, "host;x-amz-date",
			"9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
			"GET\n/example/\n\n" + hostDate + "\nhost;x-amz-date\n" + empty, ""},
		// sts: the token added after signing, and signed.
		{"post-sts-header-after", "POST / HTTP/1.1\nHost:example.amazonaws.com\n" + date + "X-Amz-Security-Token:" + token + "\n", "host;x-amz-date",
			"5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
			"POST\n/\n\n" + hostDate + "\nhost;x-amz-date\n" + empty, token},
		{"post-sts-header-before", "POST / HTTP/1.1\nHost:example.amazonaws.com\n" + date + "X-Amz-Security-Token:" + token + "\n", "host;x-amz-date;x-amz-security-token",
			"85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
			"POST\n/\n\n" + hostDate + "x-amz-security-token:" + token + "\n\nhost;x-amz-date;x-amz-security-token\n" + empty, token},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := New(Config{
				Credentials: CredentialsFunc(func(_ context.Context, id, tok string) (string, error) {
					if id != "AKIDEXAMPLE" || tok != c.token {
						return "", ErrInvalidClientTokenID()
					}
					return "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", nil
				}),
				Now: fixedClock(mustTime(t, "20150830T123600Z")),
			})
			head, body, _ := strings.Cut(c.request, "\n\n")
			raw := strings.TrimRight(head, "\n") + "\nAuthorization: " + cred + "SignedHeaders=" + c.signedHeaders + ", Signature=" + c.signature + "\n\n" + body
			r, b := readRaw(t, raw)
			if got := canonicalOf(t, r, b); got != c.canonical {
				t.Errorf("canonical request:\n%s\nwant:\n%s", got, c.canonical)
			}
			res, err := v.Verify(r, b)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := Result{AccessKeyID: "AKIDEXAMPLE", SessionToken: c.token,
				Scope: Scope{"20150830", "us-east-1", "service"}, Time: mustTime(t, "20150830T123600Z")}
			if *res != want {
				t.Errorf("result = %+v, want %+v", *res, want)
			}
		})
	}
}
