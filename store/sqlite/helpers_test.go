package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/csocbot/csocbot/store"
)

// openAt opens the store at path for the length of the test.
func openAt(t testing.TB, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// openTemp opens a new store in a temporary directory and returns it with
// the path of its file.
func openTemp(t testing.TB, opts Options) (*Store, string) {
	path := filepath.Join(t.TempDir(), "csocbot.db")
	return openAt(t, path, opts), path
}

func enqueue(t testing.TB, s *Store, job store.NewJob) store.Job {
	t.Helper()
	j, err := s.Enqueue(t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	return j
}
