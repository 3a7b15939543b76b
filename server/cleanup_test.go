package server

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/tfrun"
	"github.com/csocbot/csocbot/store"
	"github.com/csocbot/csocbot/store/sqlite"
)

// recordingRepos records what the clean-up asks of the mirrors.
type recordingRepos struct {
	unusedRepos
	maintained atomic.Int32
	forgot     atomic.Int32 // the pull request forgotten last
}

func (r *recordingRepos) Maintain(context.Context) error {
	r.maintained.Add(1)
	return nil
}

func (r *recordingRepos) ForgetPullRequest(_ context.Context, _ string, pr int) error {
	r.forgot.Store(int32(pr))
	return nil
}

// cleanupServer is a server with only what the clean-up uses, and the
// engine's cache folder.
func cleanupServer(t *testing.T, extra string) (*Server, *recordingRepos, string) {
	t.Helper()
	cache := t.TempDir()
	eng, err := engine.New(engine.Options{Binary: tfrun.Binary{Path: "terraform"}, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	repos := &recordingRepos{}
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "csocbot.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &Server{cfg: testConfig(t, extra), engine: eng, repos: repos, store: st, log: slog.New(slog.DiscardHandler)}, repos, cache
}

// The clean-up removes the store's records older than keep_records: a
// delivery recorded long ago is no longer known, a recent one is.
func TestCleanOnceRemovesOldRecords(t *testing.T) {
	s, _, _ := cleanupServer(t, "cleanup: {keep_records: 240h}\n")
	now := time.Now()
	clock := now.Add(-30 * 24 * time.Hour)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "csocbot.db"), sqlite.Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s.store = st
	job := store.NewJob{Kind: store.KindPlan, Key: store.PullRequestKey("codertocat/hello-world", 1)}
	if _, _, err := st.RecordDelivery(t.Context(), "old", job); err != nil {
		t.Fatal(err)
	}
	clock = now
	if _, _, err := st.RecordDelivery(t.Context(), "recent", job); err != nil {
		t.Fatal(err)
	}
	s.cleanOnce(t.Context())
	for _, tc := range []struct {
		delivery string
		known    bool
	}{{"old", false}, {"recent", true}} {
		_, created, err := st.RecordDelivery(t.Context(), tc.delivery, job)
		if err != nil {
			t.Fatal(err)
		}
		if created == tc.known {
			t.Errorf("delivery %q: known after the clean-up = %v, want %v", tc.delivery, !created, tc.known)
		}
	}
}

// mkdirAged makes the directory p, last modified age ago.
func mkdirAged(t *testing.T, p string, age time.Duration) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	then := time.Now().Add(-age)
	if err := os.Chtimes(p, then, then); err != nil {
		t.Fatal(err)
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func TestCleanOnceRemovesOnlyOldDirectories(t *testing.T) {
	s, repos, cache := cleanupServer(t, "cleanup: {max_age: 48h}\n")
	checkouts := filepath.Join(s.checkoutsDir(), "codertocat", "hello-world")
	dirs := map[string]bool{ // path -> whether it is old enough to go
		filepath.Join(cache, "work", "old-run"):     true,
		filepath.Join(cache, "work", "recent-run"):  false,
		filepath.Join(checkouts, "0123abc"):         true,
		filepath.Join(checkouts, "4567def"):         false,
		filepath.Join(cache, "plugins", "registry"): false, // not a working directory
	}
	for p, old := range dirs {
		age := time.Hour
		if old {
			age = 72 * time.Hour
		}
		mkdirAged(t, p, age)
	}
	// The repository's folder is old too: only checkouts, three levels
	// down, are removed.
	mkdirAged(t, checkouts, 72*time.Hour)

	s.cleanOnce(t.Context())
	for p, old := range dirs {
		if exists(p) == old {
			t.Errorf("%s: exists = %v, want %v", p, !old, old)
		}
	}
	if !exists(checkouts) {
		t.Error("the repository's checkouts folder went with its old checkout")
	}
	if n := repos.maintained.Load(); n != 1 {
		t.Errorf("Maintain called %d times, want 1", n)
	}
}

// A reused checkout starts a new age, so that the clean-up leaves it to
// the plan using it.
func TestTouchRestartsACheckoutsAge(t *testing.T) {
	s, _, _ := cleanupServer(t, "cleanup: {max_age: 48h}\n")
	dir := filepath.Join(s.checkoutsDir(), "codertocat", "hello-world", "0123abc")
	mkdirAged(t, dir, 72*time.Hour)
	if err := touch(dir); err != nil {
		t.Fatal(err)
	}
	s.cleanOnce(t.Context())
	if !exists(dir) {
		t.Error("the clean-up removed a checkout just reused")
	}
}

// cleanDisk runs at start and then every interval, and stops with its
// context.
func TestCleanDiskRunsPeriodicallyUntilCancelled(t *testing.T) {
	s, repos, _ := cleanupServer(t, "cleanup: {interval: 10ms}\n")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		s.cleanDisk(ctx)
		close(done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for repos.maintained.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the clean-up ran %d times in 10s", repos.maintained.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("cleanDisk did not stop when its context ended")
	}
}

// Closing a pull request removes the working directories of its plans,
// all of its pushes, and no other pull request's.
func TestClosedPullRequestLosesItsWorkingDirectories(t *testing.T) {
	s, repos, cache := cleanupServer(t, "")
	keys := map[string]bool{ // engine key -> whether the closing removes it
		workPrefix("Codertocat/Hello-World", 2) + "aaa":  true,
		workPrefix("Codertocat/Hello-World", 2) + "bbb":  true,
		workPrefix("Codertocat/Hello-World", 21) + "ccc": false,
	}
	for k := range keys {
		if _, err := s.engine.Plan(t.Context(), engine.Request{Key: k}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.pullRequestClosed(t.Context(), closedJob{Repo: "Codertocat/Hello-World", PR: 2}); err != nil {
		t.Fatal(err)
	}
	if repos.forgot.Load() != 2 {
		t.Error("the mirror still keeps the closed pull request's refs")
	}
	entries, err := os.ReadDir(filepath.Join(cache, "work"))
	if err != nil {
		t.Fatal(err)
	}
	left := 0
	for _, e := range entries {
		if e.IsDir() {
			left++
		}
	}
	if left != 1 {
		t.Errorf("%d working directories left, want only pull request 21's", left)
	}
}
