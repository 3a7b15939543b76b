package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/pgtest"
	"github.com/csocbot/csocbot/store"
	"github.com/csocbot/csocbot/store/storetest"
)

// TestConformance runs the conformance suite, each store the suite opens
// on a database a connection pool of its own, as another csocbot process
// would have.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		url := pgtest.NewDatabase(t)
		return func(now func() time.Time) (store.Store, error) {
			return Open(context.Background(), url, Options{Now: now})
		}
	})
}
