package pgtest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

// TestNewDatabase checks that each test gets its own empty, writable
// database, dropped once the test ends.
func TestNewDatabase(t *testing.T) {
	ctx := context.Background()
	var first string
	t.Run("a", func(t *testing.T) {
		first = NewDatabase(t)
		conn, err := pgx.Connect(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `CREATE TABLE t (x int); INSERT INTO t VALUES (1)`); err != nil {
			t.Fatal(err)
		}
	})
	second := NewDatabase(t)
	if second == first {
		t.Fatalf("two tests got one database, %s", first)
	}
	conn, err := pgx.Connect(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var tables int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("a new database has %d tables, want 0", tables)
	}
	// The drop runs in the background once the test ends.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := pgx.Connect(ctx, first)
		if err != nil {
			break
		}
		c.Close(ctx)
		if time.Now().After(deadline) {
			t.Fatalf("the first test's database %s is still there 10s after it ended", first)
		}
	}
}

func TestFindBinaries(t *testing.T) {
	// A fake Debian layout with two versions, the newer one complete.
	debian := t.TempDir()
	for _, f := range []string{"9/bin/initdb", "9/bin/postgres", "13/bin/initdb", "13/bin/postgres", "16/bin/initdb"} {
		path := filepath.Join(debian, f)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", t.TempDir())
	for _, tt := range []struct {
		name, debian, want string
		err                error
	}{
		{"newest complete version", debian, filepath.Join(debian, "13", "bin"), nil},
		{"none", t.TempDir(), "", errNoBinaries},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := findBinaries(tt.debian)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("findBinaries = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}
