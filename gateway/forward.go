package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"strings"
)

// The forwarder: what httputil.ReverseProxy does for the gateway, without
// what the gateway does not need (a deep clone of every request, a
// Director or Rewrite closure and a context value to find its state, a
// client trace for 1xx answers, X-Forwarded-* handling) and with the
// outbound headers built once, sharing the inbound values. It streams
// both bodies with pooled 32 KiB buffers, drops hop-by-hop headers both
// ways, forwards request and response trailers, and flushes answers of
// unknown length (event streams) as they come. The backend's 1xx answers
// are not relayed: the gateway drops Expect (it has already read what it
// needs), so no 100 Continue comes, and emulators send no others.

// dropHeaders are not forwarded to the backend: the hop-by-hop headers
// (RFC 9110 section 7.6.1), the client's signature (the request is
// re-signed) and the forwarding headers a client could forge.
var dropHeaders = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
	"Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Authorization": true, "X-Amz-Date": true, "X-Amz-Security-Token": true, "X-Amz-Content-Sha256": true, "Expect": true,
	"X-Forwarded-For": true, "Forwarded": true, "X-Forwarded-Host": true, "X-Forwarded-Proto": true,
}

// hopHeaders are dropped from the backend's answer.
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// outbound is the request to the backend for an authorized one.
func (g *Gateway) outbound(r *http.Request, fw *forward) *http.Request {
	h := make(http.Header, len(r.Header)+2)
	for k, vs := range r.Header {
		if !dropHeaders[k] {
			h[k] = vs // shared: the signer replaces values, never edits them
		}
	}
	for _, v := range r.Header["Connection"] { // and what Connection names
		for f := range strings.SplitSeq(v, ",") {
			if f = textproto.TrimString(f); f != "" {
				delete(h, textproto.CanonicalMIMEHeaderKey(f))
			}
		}
	}
	if v := r.Header["Te"]; len(v) > 0 && strings.EqualFold(textproto.TrimString(v[0]), "trailers") {
		h["Te"] = v // the one Te a proxy passes on
	}
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = []string{""} // not Go's default
	}

	out := r.WithContext(r.Context()) // a shallow copy, the fields set below
	u := *r.URL
	u.Scheme, u.Host, u.User, u.Opaque = fw.backend.Scheme, fw.backend.Host, nil, ""
	prefix := strings.TrimSuffix(fw.backend.Path, "/")
	if fw.bucket != "" {
		prefix += "/" + fw.bucket
	}
	if prefix != "" {
		rawPath := r.URL.EscapedPath()
		u.Path = prefix + r.URL.Path
		u.RawPath = prefix + rawPath
		if u.RawPath == u.Path {
			u.RawPath = ""
		}
	}
	u.RawQuery = stripPresign(r.URL.RawQuery)
	out.URL = &u
	out.Host, out.RequestURI, out.Close = "", "", false
	out.Header = h
	out.Proto, out.ProtoMajor, out.ProtoMinor = "HTTP/1.1", 1, 1
	out.Form, out.PostForm, out.MultipartForm = nil, nil, nil
	switch {
	case r.ContentLength == 0:
		out.Body = nil // an empty body, not one of unknown length
	case fw.body != nil:
		out.Body = fw.body
	}
	if r.ContentLength > 0 {
		out.TransferEncoding = nil // a length known (a body read): sent with it
	}
	signer := g.signer
	if fw.service == "s3" {
		signer = g.s3signer
		h["X-Amz-Content-Sha256"] = []string{fw.payloadHash}
	}
	signer.sign(out, fw.payloadHash, fw.service, fw.region, g.cfg.Now())
	return out
}

// forward sends an authorized request to its backend and streams the
// answer back.
func (g *Gateway) forward(w http.ResponseWriter, r *http.Request, fw *forward) {
	out := g.outbound(r, fw)
	if out.Body != nil {
		// The transport may read the body after RoundTrip returns; the
		// handler's must be closed before the handler does.
		defer out.Body.Close()
	}
	resp, err := g.transport.RoundTrip(out)
	if err != nil {
		g.proxyError(w, fw, err)
		return
	}
	defer resp.Body.Close()
	if err := g.modifyResponse(r.Context(), resp, fw); err != nil {
		g.proxyError(w, fw, err)
		return
	}

	h := w.Header()
	for _, v := range resp.Header["Connection"] { // what it names, then itself
		for f := range strings.SplitSeq(v, ",") {
			if f = textproto.TrimString(f); f != "" {
				delete(resp.Header, textproto.CanonicalMIMEHeaderKey(f))
			}
		}
	}
	for _, k := range hopHeaders {
		delete(resp.Header, k)
	}
	for k, vs := range resp.Header {
		if old, ok := h[k]; ok {
			h[k] = append(old, vs...)
		} else {
			h[k] = vs
		}
	}
	if len(resp.Trailer) > 0 {
		keys := make([]string, 0, len(resp.Trailer))
		for k := range resp.Trailer {
			keys = append(keys, k)
		}
		h["Trailer"] = []string{strings.Join(keys, ", ")}
	}
	w.WriteHeader(resp.StatusCode)

	bp := copyBuffers.Get().(*[]byte)
	err = copyAnswer(w, resp.Body, *bp, resp.ContentLength < 0)
	copyBuffers.Put(bp)
	if err != nil {
		if errors.Is(err, context.Canceled) || r.Context().Err() != nil {
			fw.failed = &apiError{Status: 499, Code: "RequestCanceled", Message: "The client went away."}
			return
		}
		g.cfg.Logger.Warn("gateway: backend answer cut short", "service", fw.service, "backend", fw.backend.Host, "err", err)
		fw.failed = &apiError{Status: resp.StatusCode, Code: "BackendAnswerCutShort", Message: "The backend's answer was cut short."}
		fw.abort = true // ServeHTTP aborts the answer once the call is recorded
		return
	}
	if len(resp.Trailer) > 0 {
		for k, vs := range resp.Trailer { // filled in once the body is read
			h[http.TrailerPrefix+k] = vs
		}
	}
}

// copyAnswer copies the backend's answer to the client, flushing after
// each read when flush is set (an answer of unknown length: a stream).
func copyAnswer(w http.ResponseWriter, src io.Reader, buf []byte, flush bool) error {
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return context.Canceled // the client is gone: nothing to answer
			}
			if flush {
				if f, ok := w.(http.Flusher); ok {
					f.Flush()
				}
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}
