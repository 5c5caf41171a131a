package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/seal"
)

// checkSharedKeys makes sure this node holds the keys the other nodes of a
// shared store use: a value sealed with each key ring is kept in the store,
// and a node that cannot open it refuses to start rather than fail to read
// the secrets (or the session tokens) the others wrote. When it opens, it
// is sealed again with this node's newest key, so a rotation on every node
// carries it along.
func checkSharedKeys(ctx context.Context, st iam.Store, rings map[string]*seal.Sealer) error {
	const kind, plain = "key-check", "iamd"
	return st.Update(ctx, func(tx iam.Tx) error {
		for name, ring := range rings {
			v, err := tx.Get("", kind, name)
			switch {
			case errors.Is(err, iam.ErrNotFound):
			case err != nil:
				return err
			default:
				if got, err := ring.Open(string(v), name); err != nil || got != plain {
					return fmt.Errorf("the %s of this node is not the one the other nodes sharing the store use", keyNames[name])
				}
			}
			if err := tx.Put("", kind, name, []byte(ring.Seal(plain, name))); err != nil {
				return err
			}
		}
		return nil
	})
}

var keyNames = map[string]string{
	"seal":   "secret-sealing key (IAMD_SEAL_KEY)",
	"tokens": "session-token key ring (IAMD_TOKEN_KEYS)",
}
