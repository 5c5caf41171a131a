package iam_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/background"
	"github.com/iamd/iamd/internal/seal"
	"github.com/iamd/iamd/store/sqlite"
)

// TestBackgroundWritesAreTracked: the last-used writes run on the
// service's runner, Close waits for them, and a failed one is counted.
func TestBackgroundWritesAreTracked(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sealer, err := seal.NewSealer(map[string][]byte{"k1": seal.NewSealKey()}, []string{"k1"})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	counted := map[string]int{}
	runner := background.New(background.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Observe: func(task, outcome string) {
		mu.Lock()
		counted[task+"/"+outcome]++
		mu.Unlock()
	}})
	svc := iam.New(st, iam.Options{Sealer: sealer, Background: runner})
	const account, key = "123456789012", "AKIAROOTKEY000001"
	if _, _, err := svc.CreateFirstAccount(ctx, account, key, "secret"); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := svc.RecordAccessKeyUse(ctx, key, "iam", "eu-west-1", at); err != nil {
		t.Fatal(err)
	}
	svc.RecordRoleUse(account, "no-such-role", "eu-west-1", at) // fails in the background
	if err := runner.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if counted["access-key-last-used/ok"] != 1 || counted["role-last-used/error"] != 1 {
		t.Fatalf("counted %v", counted)
	}
	rootCtx := iam.WithCaller(ctx, &iam.Caller{Account: account, Root: true, ARN: "arn:aws:iam::" + account + ":root"})
	used, err := svc.GetAccessKeyLastUsed(rootCtx, &iamapi.GetAccessKeyLastUsedInput{AccessKeyId: key})
	if err != nil || used.AccessKeyLastUsed.LastUsedDate == nil || !used.AccessKeyLastUsed.LastUsedDate.Equal(at) {
		t.Fatalf("last used %+v, %v", used, err)
	}
}
