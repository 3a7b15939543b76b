package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/csocbot/csocbot/store"
)

// Store is the [store.Store] kept in one SQLite database file. Several
// processes may open the same file.
type Store struct {
	db        *sql.DB
	writeLock chan struct{} // held by this process's one writer; see write
	now       func() time.Time
	log       *slog.Logger

	pendingMu sync.Mutex
	pending   []*pendingDelivery // deliveries waiting for a writer; see RecordDelivery
}

var _ store.Store = (*Store)(nil)

// Options are the optional settings of [Open].
type Options struct {
	// Logger receives the store's informational records: schema
	// migrations, jobs failed after a restart. Nil discards them.
	Logger *slog.Logger
	// Now is the store's clock; nil means time.Now. Tests set it.
	Now func() time.Time
}

// busyTimeout is how long a statement waits for another connection's write
// lock before failing with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Open opens the SQLite database at path, creating it and its directory if
// needed, and migrates its schema to the newest version.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	if err := checkExisting(ctx, abs); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	s := newStore(db, opts)
	if err := migrateWhenFree(ctx, db, s.log); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	return s, nil
}

// sqliteHeader starts every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

// emptyGrace is how long Open waits for an empty store file to get its
// header: another process may have just created it.
const emptyGrace = 2 * time.Second

// checkExisting refuses a store file that exists but cannot be csocbot's
// store: SQLite would take an empty file for a new database, and csocbot
// would start on an empty store, forgetting every job and delivery. A
// missing file is fine; Open creates it.
func checkExisting(ctx context.Context, path string) error {
	deadline := time.Now().Add(emptyGrace)
	for {
		head, err := readHeader(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil
		case err != nil:
			return fmt.Errorf("the store file %s cannot be read: %w; fix its permissions, or restore it from a backup", path, err)
		case len(head) == 0 && time.Now().Before(deadline):
			if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
				return err
			}
			continue
		case len(head) == 0:
			return fmt.Errorf("the store file %s is empty: csocbot refuses to start on an empty store, which would forget every job and delivery. Restore it from a backup, or move it away to start afresh", path)
		case string(head) != sqliteHeader:
			return fmt.Errorf("the store file %s is not a SQLite database; restore it from a backup, or move it away to start afresh", path)
		}
		return nil
	}
}

// readHeader reads the first bytes of the file at path, as many as a
// SQLite header has.
func readHeader(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	return head[:n], err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// CheckWritable rewrites the one row of write_probe.
func (s *Store) CheckWritable(ctx context.Context) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, now := s.clock()
		_, err := tx.ExecContext(ctx, `
			INSERT INTO write_probe (id, probed_at) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at`, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("the store cannot be written: %w", err)
	}
	return nil
}

// migrateWhenFree migrates db, trying again while another process holds a
// lock the busy timeout does not cover: SQLite answers SQLITE_BUSY without
// waiting while another connection is turning a new database's journal into
// WAL, which processes starting together on one new database run into.
func migrateWhenFree(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	deadline := time.Now().Add(busyTimeout)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := migrate(ctx, db, embeddedMigrations, log)
		var busy interface{ Code() int }
		if err == nil || !errors.As(err, &busy) || busy.Code()&0xff != sqliteBusy || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// sqliteBusy is SQLITE_BUSY, the primary result code of the extended
// SQLITE_BUSY_* codes.
const sqliteBusy = 5

func newStore(db *sql.DB, opts Options) *Store {
	s := &Store{db: db, writeLock: make(chan struct{}, 1), now: opts.Now, log: opts.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// write runs fn in a transaction, the only way the store writes.
//
// SQLite lets one connection write at a time. The transaction begins with
// BEGIN IMMEDIATE (the DSN's _txlock), which takes the database's write lock
// before fn reads anything, so fn never acts on data another writer, in this
// process or another, changes before it commits; a writer that finds the
// lock taken waits for it, up to busyTimeout. Within the process, writers
// also queue on writeLock: SQLite's busy handler polls a locked database
// with sleeps of up to 100ms and would leave it idle for most of a sleep
// after the writer ahead finished, where the channel hands it over at once.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	select {
	case s.writeLock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.writeLock }()
	return s.inTx(ctx, fn)
}

// inTx runs fn in a transaction; the caller holds writeLock.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// dsn is the data source name that opens the database file at the absolute
// path abs and sets up every connection the way the store needs it.
//
// The path travels as a file: URI, escaped, so that a directory named with
// '?', '#' or '%' can neither end the path early nor smuggle in parameters.
// The driver reads the underscore parameters and SQLite ignores them.
func dsn(abs string) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "on")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL") // durable across a crash of csocbot, if not of the machine
	q.Set("_txlock", "immediate")   // every transaction here writes
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("closing store: %w", err)
	}
	return nil
}

// timeLayout is how times are stored: UTC, to the microsecond, fixed width so
// that comparing the text compares the times.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading a stored time: %w", err)
	}
	return t, nil
}

// clock returns the current time as stored.
func (s *Store) clock() (time.Time, string) {
	now := s.now().UTC().Truncate(time.Microsecond)
	return now, formatTime(now)
}

// nullJSON is how an optional JSON value is stored: SQL NULL when empty.
func nullJSON(v []byte) sql.NullString {
	return sql.NullString{String: string(v), Valid: len(v) > 0}
}

// rawJSON reads back a value nullJSON stored.
func rawJSON(v sql.NullString) []byte {
	if !v.Valid {
		return nil
	}
	return []byte(v.String)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryAll runs query and scans every row it returns with scan.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// selectWhere builds a query of columns from table with the conditions
// in where (all of them), ordered by order, at most limit rows when limit
// is positive, and returns it with its arguments.
func selectWhere(columns, table string, where []string, order string, limit int, args []any) (string, []any) {
	q := `SELECT ` + columns + ` FROM ` + table
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY ` + order
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	return q, args
}
