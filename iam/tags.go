package iam

import (
	"slices"
	"strings"

	"github.com/iamd/iamd/api/iamapi"
)

// maxTags is the tag quota of every taggable IAM entity.
const maxTags = 50

// checkTags validates the tags of a request (the model already checked
// lengths and characters): no reserved aws: prefix, no key twice. foldKeys
// says whether keys are compared without case, as on users and roles.
func checkTags(tags []iamapi.Tag, foldKeys bool) error {
	if len(tags) > maxTags {
		return limitExceeded("The number of tags has reached the maximum limit.")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalidInput("User-defined tag keys can't start with 'aws:'. This prefix is reserved for AWS tags.")
		}
		k := t.Key
		if foldKeys {
			k = strings.ToLower(k)
		}
		if seen[k] {
			// The note on case holds only where keys fold; AWS leaves it
			// out for managed policies, whose keys are case-sensitive.
			if foldKeys {
				return invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
			}
			return invalidInput("Duplicate tag keys found.")
		}
		seen[k] = true
	}
	return nil
}

// mergeTags adds or replaces tags. With foldKeys a new tag replaces an old
// one whose key differs only by case, and takes the new key's case (IAM
// users and roles are case-insensitive but case-preserving).
func mergeTags(existing []Tag, add []iamapi.Tag, foldKeys bool) ([]Tag, error) {
	if err := checkTags(add, foldKeys); err != nil {
		return nil, err
	}
	same := func(a, b string) bool {
		if foldKeys {
			return strings.EqualFold(a, b)
		}
		return a == b
	}
	out := append([]Tag(nil), existing...)
next:
	for _, t := range add {
		for i := range out {
			if same(out[i].Key, t.Key) {
				out[i] = Tag{Key: t.Key, Value: t.Value}
				continue next
			}
		}
		out = append(out, Tag{Key: t.Key, Value: t.Value})
	}
	if len(out) > maxTags {
		return nil, limitExceeded("The number of tags has reached the maximum limit.")
	}
	return out, nil
}

// removeTags drops the tags with the given keys.
func removeTags(existing []Tag, keys []string, foldKeys bool) []Tag {
	var out []Tag
next:
	for _, t := range existing {
		for _, k := range keys {
			if t.Key == k || foldKeys && strings.EqualFold(t.Key, k) {
				continue next
			}
		}
		out = append(out, t)
	}
	return out
}

// newTags converts request tags for a new entity.
func newTags(tags []iamapi.Tag, foldKeys bool) ([]Tag, error) {
	return mergeTags(nil, tags, foldKeys)
}

// apiTags converts stored tags for a response; nil when there are none, so
// the element is left out as AWS does.
func apiTags(tags []Tag) []iamapi.Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]iamapi.Tag, len(tags))
	for i, t := range tags {
		out[i] = iamapi.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

// alwaysTags is apiTags for the answers in which AWS sends Tags even when
// there are none (GetPolicy, GetInstanceProfile, GetServerCertificate,
// GetOpenIDConnectProvider, GetSAMLProvider, the account authorization
// details of users and roles): an empty list, not an absent one.
func alwaysTags(tags []Tag) []iamapi.Tag {
	if out := apiTags(tags); out != nil {
		return out
	}
	return []iamapi.Tag{}
}

// tagPage pages a tag list for the List*Tags operations, in key order
// (byte order: "A" before "a"), as AWS lists them whatever order they were
// added in.
func tagPage(tags []Tag, maxItems *int32, marker *string) ([]iamapi.Tag, *bool, *string, error) {
	return tagPageBy(tags, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) }, maxItems, marker)
}

// policyTagPage is tagPage for ListPolicyTags: AWS lists a managed
// policy's tags shorter keys first, then in byte order ("a", "b", "z",
// "abc"; "A" before "a"), as its recorded answers show.
func policyTagPage(tags []Tag, maxItems *int32, marker *string) ([]iamapi.Tag, *bool, *string, error) {
	return tagPageBy(tags, func(a, b Tag) int {
		if d := len(a.Key) - len(b.Key); d != 0 {
			return d
		}
		return strings.Compare(a.Key, b.Key)
	}, maxItems, marker)
}

func tagPageBy(tags []Tag, order func(a, b Tag) int, maxItems *int32, marker *string) ([]iamapi.Tag, *bool, *string, error) {
	tags = slices.Clone(tags)
	slices.SortStableFunc(tags, order)
	start := 0
	if m, err := decodeMarker(marker); err != nil {
		return nil, nil, nil, err
	} else if m != "" {
		for i, t := range tags {
			if t.Key == m {
				start = i + 1
			}
		}
	}
	limit := int(orDefault(maxItems, defaultMaxItems))
	rest := tags[start:]
	if len(rest) <= limit {
		out := apiTags(rest)
		if out == nil {
			out = []iamapi.Tag{}
		}
		return out, ptr(false), nil, nil
	}
	return apiTags(rest[:limit]), ptr(true), encodeMarker(rest[limit-1].Key), nil
}
