package console

import (
	"io/fs"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// Everything the pages load comes from the binary (go:embed), under the
// console's own path: no template or asset names another origin to load
// from (a CDN, a font, an analytics script), and nothing a browser would
// run is written inline. The CSP (securityHeaders) would block them too;
// this keeps them out of the source.
func TestNothingLoadedFromElsewhere(t *testing.T) {
	external := regexp.MustCompile(`(?i)(\b(src|href|action|poster|data)\s*=\s*["']?\s*(https?:)?//)|url\(\s*["']?\s*(https?:)?//|@import|\bimport\s*\(|fetch\(\s*["'](https?:)?//|new\s+WebSocket|XMLHttpRequest`)
	inline := regexp.MustCompile(`(?i)<script>|<script\s+[^>]*\b(type="[^"]*")?\s*>[^<]|\son[a-z]+\s*=|javascript:|\sstyle\s*=|<style`)
	files := 0
	for _, fsys := range []fs.FS{templateFS, staticFS} {
		err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, path)
			if err != nil {
				return err
			}
			files++
			text := string(b)
			if m := external.FindString(text); m != "" {
				t.Errorf("%s loads from elsewhere: %q", path, m)
			}
			if strings.HasSuffix(path, ".html") {
				if m := inline.FindString(text); m != "" {
					t.Errorf("%s has inline script or style: %q", path, m)
				}
				for _, s := range regexp.MustCompile(`<script[^>]*>`).FindAllString(text, -1) {
					if !strings.Contains(s, `src="{{asset `) {
						t.Errorf("%s: a script not from the binary: %s", path, s)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 25 {
		t.Fatalf("%d files embedded", files)
	}
	// The CSP names no other origin.
	rec := httptest.NewRecorder()
	securityHeaders(rec)
	csp := rec.Header().Get("Content-Security-Policy")
	for _, src := range strings.Split(csp, ";") {
		for _, tok := range strings.Fields(src)[1:] {
			if tok != "'self'" && tok != "'none'" && tok != "data:" {
				t.Errorf("the CSP allows %s in %q", tok, src)
			}
		}
	}
}
