package gateway

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"sync"

	"github.com/iamd/iamd/api/awserr"
)

// awsCode is an AWS error's code, status and message ("" when err is not one).
func awsCode(err error) (code string, status int, message string) {
	e, ok := awserr.As(err)
	if !ok {
		return "", 0, ""
	}
	if pub := awserr.Public(e); pub != e {
		return "", http.StatusInternalServerError, ""
	}
	return e.Code, e.Status, e.Message
}

// newRequestID returns a UUID (version 4), the form of AWS's request ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// bufferPool shares the proxy's copy buffers (32 KiB) between requests.
type bufferPool struct{}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *copyBuffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { copyBuffers.Put(&b) }
