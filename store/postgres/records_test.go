package postgres

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/csocbot/csocbot/internal/pgtest"
	"github.com/csocbot/csocbot/store"
)

// TestRecordsConcurrent checks that writes which must record one row,
// made at once by processes sharing the database (each store here has a
// pool of its own), record one and all return it.
func TestRecordsConcurrent(t *testing.T) {
	t.Parallel()
	const processes, writers = 3, 8
	tests := []struct {
		name string
		// write records the row as writer i and returns its ID, and 1
		// when the call says it created the row (0 otherwise).
		write      func(ctx context.Context, s *Store, i int) (id int64, created int, err error)
		wantCreate int // how many calls report creating it
	}{
		{
			name: "approvals under logins differing in case",
			write: func(ctx context.Context, s *Store, i int) (int64, int, error) {
				login := "alice"
				if i%2 == 1 {
					login = strings.ToUpper(login)
				}
				a, created, err := s.ApprovePolicy(ctx, store.PolicyApproval{Repo: "o/r", PR: 1, HeadSHA: "aaa", Set: "gen3", Approver: login, CommentID: int64(i)})
				n := 0
				if created {
					n = 1
				}
				return a.ID, n, err
			},
			wantCreate: 1,
		},
		{
			name: "runs of one unit at one head",
			write: func(ctx context.Context, s *Store, i int) (int64, int, error) {
				r, err := s.UpsertRun(ctx, store.Run{Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "live/vpc", State: store.RunPlanned})
				return r.ID, 0, err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := pgtest.NewDatabase(t)
			stores := make([]*Store, processes)
			for i := range stores {
				s, err := Open(t.Context(), url, Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				stores[i] = s
			}
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				ids     = map[int64]int{}
				created int
			)
			for i := range processes * writers {
				wg.Go(func() {
					id, n, err := tt.write(t.Context(), stores[i%processes], i)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					defer mu.Unlock()
					ids[id]++
					created += n
				})
			}
			wg.Wait()
			if len(ids) != 1 || created != tt.wantCreate {
				t.Errorf("rows returned (ID: calls) %v, %d created; want one row, %d created", ids, created, tt.wantCreate)
			}
		})
	}
}
