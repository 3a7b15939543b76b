package server

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/internal/pgtest"
	"github.com/csocbot/csocbot/store"
	"github.com/csocbot/csocbot/store/postgres"
	"github.com/csocbot/csocbot/store/sqlite"
)

// BenchmarkIntakeReplicas measures intake (see BenchmarkIntake) on the
// two stores: one replica on SQLite, as the embedded default runs, next
// to one and two replicas on one PostgreSQL database, the deliveries
// sent to the replicas in turn, as a Service spreads them. Each case
// first sends one round unmeasured (its numbers are overwritten).
func BenchmarkIntakeReplicas(b *testing.B) {
	for _, tc := range []struct {
		name     string
		replicas int
		postgres bool
		rate     int
	}{
		{"sqlite/replicas=1/senders=64", 1, false, 0},
		{"postgres/replicas=1/senders=64", 1, true, 0},
		{"postgres/replicas=2/senders=64", 2, true, 0},
		{"sqlite/replicas=1/rate=1000/s", 1, false, 1000},
		{"postgres/replicas=2/rate=1000/s", 2, true, 1000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := testConfig(b, "")
			var url string
			if tc.postgres {
				url = pgtest.NewDatabase(b)
				cfg.Store.Driver = config.StorePostgres
			}
			path := filepath.Join(b.TempDir(), "csocbot.db")
			var urls []string
			for range tc.replicas {
				var st store.Store
				var err error
				if tc.postgres {
					st, err = postgres.Open(b.Context(), url, postgres.Options{})
				} else {
					st, err = sqlite.Open(b.Context(), path, sqlite.Options{})
				}
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { st.Close() })
				srv := httptest.NewServer(newIntakeServerOn(b, cfg, st).Handler())
				b.Cleanup(srv.Close)
				urls = append(urls, srv.URL)
			}
			// A long-running replica has its connections open and its
			// statements prepared: warm up before measuring.
			measureIntake(b, urls, tc.name+"/warm-up", 0)
			measureIntake(b, urls, tc.name, tc.rate)
		})
	}
}
