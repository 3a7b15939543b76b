package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpen checks where Open puts the database and how it sets up every
// connection.
func TestOpen(t *testing.T) {
	tests := []struct {
		name string
		rel  string // the database's path under a temporary directory
	}{
		{name: "plain", rel: "csocbot.db"},
		{name: "directories to create", rel: "var/lib/csocbot/csocbot.db"},
		{name: "URI characters in the path", rel: "a?b #%c/d&e=f;g/x.db?mode=ro#frag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.rel)
			s := openAt(t, path)
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("no database at %s: %v", path, err)
			}
			// A path misread as a URI would put the database somewhere else.
			first, _, _ := strings.Cut(tt.rel, "/")
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if n := e.Name(); n != first && n != first+"-wal" && n != first+"-shm" {
					t.Errorf("stray file %q beside %q", n, first)
				}
			}

			// Hold several connections at once so the pool opens them all.
			ctx := t.Context()
			for i := range 3 {
				conn, err := s.db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				for pragma, want := range map[string]string{
					"journal_mode": "wal",
					"foreign_keys": "1",
					"synchronous":  "1", // NORMAL
					"busy_timeout": "10000",
				} {
					var got string
					if err := conn.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
						t.Fatal(err)
					}
					if got != want {
						t.Errorf("connection %d: %s = %s, want %s", i, pragma, got, want)
					}
				}
			}
		})
	}
}
