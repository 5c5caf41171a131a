package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestClusterStopStart(t *testing.T) {
	c := New(t, Options{})
	url := c.NewDB(t)
	ping := func() error {
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(context.Background(), "CREATE TABLE IF NOT EXISTS x (a int)")
		return err
	}
	if err := ping(); err != nil {
		t.Fatal(err)
	}
	c.Stop()
	if err := ping(); err == nil {
		t.Fatal("connected to a stopped cluster")
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if err := ping(); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

func TestSharedDatabasesAreSeparate(t *testing.T) {
	a, b := DB(t), DB(t)
	if a == b {
		t.Fatalf("two databases share the URL %s", a)
	}
}
