package server

import (
	"fmt"
	"maps"
	"slices"

	"github.com/iamd/iamd/policy"
)

// compileSCPs validates and compiles the SCPs of Options.SCPs (nil when
// none): each document as AWS validates a service control policy.
func compileSCPs(docs map[string][]string, partition string) (map[string][]*policy.Set, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	out := make(map[string][]*policy.Set, len(docs))
	for _, account := range slices.Sorted(maps.Keys(docs)) {
		for i, text := range docs[account] {
			doc, err := policy.Parse([]byte(text))
			if err == nil {
				err = policy.Validate(doc, policy.KindSCP, policy.Options{Partition: partition})
			}
			if err != nil {
				return nil, fmt.Errorf("SCP %d of account %s: %w", i+1, account, err)
			}
			id := fmt.Sprintf("scp-%s-%d", account, i+1)
			out[account] = append(out[account], policy.NewSet(policy.Compile(doc, policy.Source{ID: id, Type: "scp"})))
		}
	}
	return out, nil
}
