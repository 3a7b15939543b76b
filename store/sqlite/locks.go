package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/csocbot/csocbot/store"
)

const lockColumns = `repo, unit, workspace, pr, head_sha, holder, acquired_at`

func scanLock(row scanner) (store.Lock, error) {
	var (
		l        store.Lock
		acquired string
	)
	if err := row.Scan(&l.Repo, &l.Unit, &l.Workspace, &l.PR, &l.HeadSHA, &l.Holder, &acquired); err != nil {
		return store.Lock{}, err
	}
	var err error
	l.Acquired, err = parseTime(acquired)
	return l, err
}

// TryLock inserts the lock, or updates it when l.PR holds it, in one
// statement; the primary key on (repo, unit, workspace) makes a second
// holder impossible, and the write lock (see write) makes reading the
// holder after a refusal see the row that refused it.
func (s *Store) TryLock(ctx context.Context, l store.Lock) (store.Lock, bool, error) {
	var (
		out   store.Lock
		taken bool
	)
	err := s.write(ctx, func(tx *sql.Tx) error {
		// Refused before SQLite would, in words a user reads.
		if err := l.Validate(); err != nil {
			return err
		}
		_, now := s.clock()
		var err error
		out, err = scanLock(tx.QueryRowContext(ctx, `
			INSERT INTO locks (repo, unit, workspace, pr, head_sha, holder, acquired_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (repo, unit, workspace) DO UPDATE SET
				head_sha = excluded.head_sha,
				holder = excluded.holder
			WHERE locks.pr = excluded.pr
			RETURNING `+lockColumns,
			l.Repo, l.Unit, l.Workspace, l.PR, l.HeadSHA, l.Holder, now))
		if err == nil {
			taken = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		out, err = scanLock(tx.QueryRowContext(ctx, `
			SELECT `+lockColumns+` FROM locks WHERE repo = ? AND unit = ? AND workspace = ?`,
			l.Repo, l.Unit, l.Workspace))
		return err
	})
	if err != nil {
		return store.Lock{}, false, fmt.Errorf("locking %s for %s#%d: %w", l.Name(), l.Repo, l.PR, err)
	}
	return out, taken, nil
}

func (s *Store) Unlock(ctx context.Context, repo string, pr int, units ...string) ([]store.Lock, error) {
	args := []any{repo, pr}
	var unitFilter string
	if len(units) > 0 {
		unitFilter = ` AND unit IN (?` + strings.Repeat(`, ?`, len(units)-1) + `)`
		for _, u := range units {
			args = append(args, u)
		}
	}
	var released []store.Lock
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		released, err = queryAll(ctx, tx, scanLock, `
			DELETE FROM locks WHERE repo = ? AND pr = ?`+unitFilter+`
			RETURNING `+lockColumns, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("releasing the locks of %s#%d: %w", repo, pr, err)
	}
	// SQLite does not promise RETURNING's order.
	slices.SortFunc(released, func(a, b store.Lock) int {
		return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Workspace, b.Workspace))
	})
	return released, nil
}

func (s *Store) ForceUnlock(ctx context.Context, repo, unit, workspace string) (store.Lock, bool, error) {
	var l store.Lock
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		l, err = scanLock(tx.QueryRowContext(ctx, `
			DELETE FROM locks WHERE repo = ? AND unit = ? AND workspace = ?
			RETURNING `+lockColumns, repo, unit, workspace))
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.Lock{}, false, nil
	case err != nil:
		return store.Lock{}, false, fmt.Errorf("releasing the lock of %s in %s: %w", store.Lock{Unit: unit, Workspace: workspace}.Name(), repo, err)
	}
	return l, true, nil
}

func (s *Store) Locks(ctx context.Context, repo string) ([]store.Lock, error) {
	q, args := `SELECT `+lockColumns+` FROM locks`, []any{}
	if repo != "" {
		q += ` WHERE repo = ?`
		args = append(args, repo)
	}
	locks, err := queryAll(ctx, s.db, scanLock, q+` ORDER BY repo, unit, workspace`, args...)
	if err != nil {
		if repo == "" {
			return nil, fmt.Errorf("listing the locks: %w", err)
		}
		return nil, fmt.Errorf("listing the locks in %s: %w", repo, err)
	}
	return locks, nil
}
