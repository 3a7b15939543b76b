package sqlite

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenRefusesAStoreFileItCannotUse checks that a store file that exists
// but is empty, unreadable or not a database stops Open with a message
// saying what to do, instead of starting on an empty store.
func TestOpenRefusesAStoreFileItCannotUse(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(path string) error
		want    string
	}{
		{"empty", func(p string) error { return os.WriteFile(p, nil, 0o600) }, "is empty"},
		{"not a database", func(p string) error {
			return os.WriteFile(p, []byte("these are not the jobs you are looking for"), 0o600)
		}, "is not a SQLite database"},
		{"unreadable", func(p string) error { return os.Mkdir(p, 0o700) }, "cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "csocbot.db")
			if err := tt.prepare(path); err != nil {
				t.Fatal(err)
			}
			s, err := Open(t.Context(), path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || !strings.Contains(msg, path) || !strings.Contains(msg, "backup") {
				t.Errorf("error %q, want one naming %s, saying it %s and what to do", msg, path, tt.want)
			}
		})
	}
}

// TestCheckWritable checks that the write probe passes on a healthy store
// and fails once its files cannot be written.
func TestCheckWritable(t *testing.T) {
	s, path := openTemp(t, Options{})
	if err := s.CheckWritable(t.Context()); err != nil {
		t.Fatalf("healthy store: %v", err)
	}
	makeImmutable(t, path, path+"-wal")
	if err := s.CheckWritable(t.Context()); err == nil || !strings.Contains(err.Error(), "cannot be written") {
		t.Errorf("read-only store: %v, want an error saying it cannot be written", err)
	}
}

// makeImmutable makes files unwritable even for root, whom permission bits
// do not stop, with chattr +i, until the test ends; it skips the test where
// the file system or the privileges do not allow it.
func makeImmutable(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if out, err := exec.Command("chattr", "+i", p).CombinedOutput(); err != nil {
			t.Skipf("cannot make %s read-only with chattr +i (needs root and a file system with the immutable attribute): %v %s", p, err, out)
		}
		t.Cleanup(func() { exec.Command("chattr", "-i", p).Run() })
	}
}
