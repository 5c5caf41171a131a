package server

import (
	"io"
	"net/http"
	"sync"
)

// requestBody is a request's body read into a pooled buffer. Nothing may
// keep its bytes past release: the parameters are strings copied from
// them, and the signature's hash reads them only while it verifies.
type requestBody struct{ b []byte }

// maxPooledBody is the largest buffer kept for the next request; a rare
// large body's buffer goes to the collector.
const maxPooledBody = 64 << 10

var bodies = sync.Pool{New: func() any { return &requestBody{b: make([]byte, 0, 4<<10)} }}

// readBody reads r's body, up to limit bytes. A longer one is
// *http.MaxBytesError, as http.MaxBytesReader has it, and the connection
// is closed after the answer, as http.MaxBytesReader has the server do:
// the rest of the body is not read.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) (*requestBody, error) {
	if r.ContentLength > limit {
		return nil, tooLarge(w, limit)
	}
	rb := bodies.Get().(*requestBody)
	b := rb.b[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		// At most one byte past the limit is read: enough to tell.
		room := b[len(b):cap(b)]
		if left := limit + 1 - int64(len(b)); int64(len(room)) > left {
			room = room[:left]
		}
		n, err := r.Body.Read(room)
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			rb.b = b
			rb.release()
			return nil, tooLarge(w, limit)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			rb.b = b
			rb.release()
			return nil, err
		}
	}
	rb.b = b
	return rb, nil
}

func tooLarge(w http.ResponseWriter, limit int64) error {
	if w != nil {
		w.Header().Set("Connection", "close")
	}
	return &http.MaxBytesError{Limit: limit}
}

// release gives the buffer back for another request.
func (rb *requestBody) release() {
	if cap(rb.b) > maxPooledBody {
		return
	}
	rb.b = rb.b[:0]
	bodies.Put(rb)
}
