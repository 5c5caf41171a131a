package gateway

import (
	"crypto/rand"
	"encoding/hex"
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
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	hex.Encode(out[9:13], b[4:6])
	hex.Encode(out[14:18], b[6:8])
	hex.Encode(out[19:23], b[8:10])
	hex.Encode(out[24:36], b[10:16])
	out[8], out[13], out[18], out[23] = '-', '-', '-', '-'
	return string(out[:])
}

// copyBuffers are the forwarder's copy buffers (32 KiB), shared between requests.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}
