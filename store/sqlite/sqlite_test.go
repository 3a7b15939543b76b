package sqlite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
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
			s := openAt(t, path, Options{})
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

// TestStoredTimes checks how times are kept: UTC text to the microsecond,
// fixed width, so that comparing the text compares the times.
func TestStoredTimes(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
		want string
	}{
		{"another zone, below the microsecond", time.Date(2025, 6, 1, 14, 0, 0, 123456789, time.FixedZone("CEST", 2*3600)), "2025-06-01T12:00:00.123456Z"},
		{"whole second", time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC), "2025-06-01T12:00:00.000000Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t, Options{Now: func() time.Time { return tt.now }})
			j := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "k"})
			var created, runAfter string
			if err := s.db.QueryRowContext(t.Context(), `SELECT created_at, run_after FROM jobs WHERE id = ?`, j.ID).Scan(&created, &runAfter); err != nil {
				t.Fatal(err)
			}
			if created != tt.want || runAfter != tt.want {
				t.Errorf("stored created_at %q, run_after %q; want %q", created, runAfter, tt.want)
			}
		})
	}
}
