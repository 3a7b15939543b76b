package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
	"github.com/csocbot/csocbot/store/storetest"
)

// TestConformance runs the conformance suite of store.Store, each test on a
// new database file; the stores it opens on one database are separate
// handles on the file, as separate processes would have.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		path := filepath.Join(t.TempDir(), "csocbot.db")
		return func(now func() time.Time) (store.Store, error) {
			return Open(t.Context(), path, Options{Now: now})
		}
	})
}
