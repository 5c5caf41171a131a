package iam

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/iamd/iamd/api/awserr"
)

// Pagination as IAM does it: MaxItems (1-1000, default 100) and an opaque
// Marker that continues after the last item returned.

const defaultMaxItems = 100

// page is one page of a listing.
type page[T any] struct {
	items     []*T
	marker    *string // set when truncated
	truncated bool
}

// encodeMarker hides the store key behind an opaque marker, with a check
// so that a marker this server never issued is refused, as AWS refuses it,
// instead of being read as a position.
func encodeMarker(key string) *string {
	m := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s\x00%08x", key, markerCheck(key)))
	return &m
}

// markerCheck is the marker's check value: FNV-1a of the key under a fixed
// prefix (not secret: markers are positions, not credentials).
func markerCheck(key string) uint32 {
	h := fnv.New32a()
	h.Write([]byte("iamd-marker\x00"))
	h.Write([]byte(key))
	return h.Sum32()
}

// invalidMarker refuses a marker iamd did not issue, in AWS's words
// (recorded for ListVirtualMFADevices: "Invalid Marker.", no value echoed).
func invalidMarker() error { return awserr.ValidationError("Invalid Marker.") }

func decodeMarker(marker *string) (string, error) {
	if marker == nil || *marker == "" {
		return "", nil
	}
	invalid := invalidMarker()
	b, err := base64.RawURLEncoding.DecodeString(*marker)
	if err != nil {
		return "", invalid
	}
	i := bytes.LastIndexByte(b, 0)
	if i < 0 || len(b)-i-1 != 8 {
		return "", invalid
	}
	key := string(b[:i])
	if fmt.Sprintf("%08x", markerCheck(key)) != string(b[i+1:]) {
		return "", invalid
	}
	return key, nil
}

// listPage scans a kind under a prefix from the marker, keeping the records
// keep accepts (nil: all), and returns at most MaxItems of them.
func listPage[T any](tx Tx, account, kind, prefix string, maxItems *int32, marker *string, keep func(*T) bool) (page[T], error) {
	var p page[T]
	after, err := decodeMarker(marker)
	if err != nil {
		return p, err
	}
	limit := defaultMaxItems
	if maxItems != nil {
		limit = int(*maxItems)
	}
	var lastKey string
	err = tx.Scan(account, kind, prefix, after, 0, func(k string, data []byte) error {
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		if keep != nil && !keep(&v) {
			return nil
		}
		if len(p.items) == limit {
			p.truncated = true
			p.marker = encodeMarker(lastKey)
			return ErrStop
		}
		p.items = append(p.items, &v)
		lastKey = k
		return nil
	})
	return p, err
}

// pathPrefix filters by the PathPrefix parameter (default "/": all).
func pathPrefix(prefix *string) func(path string) bool {
	pp := orDefault(prefix, "/")
	return func(path string) bool { return strings.HasPrefix(path, pp) }
}
