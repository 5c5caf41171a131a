package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/pgtest"
	"github.com/iamd/iamd/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func open(t testing.TB, url string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, Options{PruneEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) iam.Store { return open(t, pgtest.DB(t)) })
}

func TestNodes(t *testing.T) {
	storetest.RunNodes(t, func(t *testing.T) (iam.Store, func() iam.Store) {
		url := pgtest.DB(t)
		return open(t, url), func() iam.Store { return open(t, url) }
	})
}
