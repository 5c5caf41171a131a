package server_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestRequestBodiesDoNotLeak: request bodies are read into pooled
// buffers; concurrent callers sending bodies of many sizes, between
// over-limit ones, each get the answer to their own request. A byte of
// another request in a body would fail its signature or change what is
// written and read back.
func TestRequestBodiesDoNotLeak(t *testing.T) {
	s := testServer(t)
	c := iamClient(s, rootKey, rootSecret)
	const callers, rounds = 8, 20
	tags := func(n int, fill string) []types.Tag {
		out := make([]types.Tag, n)
		for i := range out {
			out[i] = types.Tag{Key: aws.String(fmt.Sprintf("k%02d", i)), Value: aws.String(strings.Repeat(fill, 200))}
		}
		return out
	}
	for g := range callers {
		must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(userName(g)),
			Path: aws.String("/p" + strings.Repeat("x", g*20) + "/"), Tags: tags(g*6, "a")}))
	}
	var wg sync.WaitGroup
	errs := make(chan error, callers*rounds)
	for g := range callers {
		wg.Go(func() {
			for r := range rounds {
				// A body of its own size each round: 0 to 45 tags of 200 bytes.
				n, fill := (g*7+r*5)%46, string(rune('a'+r%26))
				if _, err := c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String(userName(g)), Tags: tags(n, fill)}); err != nil {
					errs <- fmt.Errorf("caller %d round %d: TagUser: %w", g, r, err)
					return
				}
				got, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String(userName(g))})
				if err != nil {
					errs <- fmt.Errorf("caller %d round %d: ListUserTags: %w", g, r, err)
					return
				}
				for _, tag := range got.Tags {
					var i int
					if _, err := fmt.Sscanf(aws.ToString(tag.Key), "k%02d", &i); err != nil {
						errs <- fmt.Errorf("caller %d round %d: tag %q", g, r, aws.ToString(tag.Key))
					}
					if i < n && aws.ToString(tag.Value) != strings.Repeat(fill, 200) {
						errs <- fmt.Errorf("caller %d round %d: tag %s = %.20q..., want %q", g, r, aws.ToString(tag.Key), aws.ToString(tag.Value), fill)
					}
				}
				// Another caller's user, small bodies between the large.
				other := (g + r) % callers
				u, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(userName(other))})
				if err != nil || aws.ToString(u.User.UserName) != userName(other) || aws.ToString(u.User.Path) != "/p"+strings.Repeat("x", other*20)+"/" {
					errs <- fmt.Errorf("caller %d round %d: GetUser %s: %v %+v", g, r, userName(other), err, u)
				}
				switch r % 5 {
				case 2: // declared over the limit
					_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("big"), Path: aws.String("/" + strings.Repeat("z", 2<<20) + "/")})
					if apiCode(err) != "RequestEntityTooLarge" {
						errs <- fmt.Errorf("caller %d round %d: a 2 MiB request: %v", g, r, err)
					}
				case 4: // over the limit as it is read
					if status, code := postChunked(t, s.URL, 1<<20+1); status != http.StatusRequestEntityTooLarge || code != "RequestEntityTooLarge" {
						errs <- fmt.Errorf("caller %d round %d: a chunked 1 MiB + 1 body: %d %s", g, r, status, code)
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func userName(g int) string { return fmt.Sprintf("u%d-%s", g, strings.Repeat("n", g*8)) }

// TestRequestBodyLimitChunked: a body of no declared length is read up to
// the limit (1 MiB): one byte more is AWS's RequestEntityTooLarge and the
// connection closes after it; a body of the limit is read whole.
func TestRequestBodyLimitChunked(t *testing.T) {
	s := testServer(t)
	for _, tc := range []struct {
		size   int
		status int
		code   string
		closed bool
	}{
		{1<<20 + 1, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", true},
		{4 << 20, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", true},
		{1 << 20, http.StatusForbidden, "MissingAuthenticationToken", false}, // read, parsed, not signed
		{100, http.StatusForbidden, "MissingAuthenticationToken", false},
	} {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			resp := doChunked(t, s.URL, tc.size)
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || xmlCode(string(raw)) != tc.code {
				t.Fatalf("%d %s, want %d %s", resp.StatusCode, raw, tc.status, tc.code)
			}
			if resp.Close != tc.closed {
				t.Errorf("connection closed after the answer: %v, want %v", resp.Close, tc.closed)
			}
		})
	}
}

// doChunked posts an unsigned GetUser whose body, size bytes in all, is
// sent chunked (no Content-Length).
func doChunked(t *testing.T, url string, size int) *http.Response {
	t.Helper()
	head := "Action=GetUser&Version=2010-05-08&Pad="
	body := io.MultiReader(strings.NewReader(head), io.LimitReader(repeatReader('x'), int64(size-len(head))))
	req, err := http.NewRequest(http.MethodPost, url+"/", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if req.ContentLength != 0 { // 0 with a body: unknown, sent chunked
		t.Fatalf("ContentLength %d", req.ContentLength)
	}
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func postChunked(t *testing.T, url string, size int) (int, string) {
	resp := doChunked(t, url, size)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, xmlCode(string(raw))
}

// xmlCode is the Code of an AWS error envelope.
func xmlCode(body string) string {
	_, rest, _ := strings.Cut(body, "<Code>")
	code, _, _ := strings.Cut(rest, "</Code>")
	return code
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}
