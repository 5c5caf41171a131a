package iam

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
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

// encodeMarker hides the store key behind an opaque marker.
func encodeMarker(key string) *string {
	m := base64.RawURLEncoding.EncodeToString([]byte(key))
	return &m
}

func decodeMarker(marker *string) (string, error) {
	if marker == nil || *marker == "" {
		return "", nil
	}
	k, err := base64.RawURLEncoding.DecodeString(*marker)
	if err != nil {
		return "", awserr.ValidationError(fmt.Sprintf("Invalid Marker: %q was not returned by a previous call.", *marker))
	}
	return string(k), nil
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
