package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/csocbot/csocbot/store"
)

// Store is the [store.Store] kept in a PostgreSQL database, which several
// csocbot processes may share.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
	log  *slog.Logger
	// connConfig opens ListenJobs's dedicated connection.
	connConfig *pgx.ConnConfig
	// redact hides the URL's password in the errors the store returns.
	redact func(error) error
}

var _ store.Store = (*Store)(nil)

// Options are the optional settings of [Open].
type Options struct {
	// Logger receives the store's informational records: schema
	// migrations, lost LISTEN connections. Nil discards them.
	Logger *slog.Logger
	// Now is the store's clock; nil means time.Now. Tests set it.
	Now func() time.Time
	// MaxConns bounds the connections the store opens; 0 leaves pgxpool's
	// default (the larger of 4 and the number of CPUs). A server should
	// set at least 2×workers+4, so that its workers' queries and lease
	// renewals, and the webhooks, ReclaimExpired, leadership and the Slack
	// outbox, never wait for a connection. ListenJobs's own connection is
	// not counted.
	MaxConns int32
}

// Open connects to the PostgreSQL database at url (a postgres:// URL or a
// key=value connection string) and migrates its schema to the newest
// version. Its connections are read committed whatever the server's
// default, give up connecting after connect_timeout (10s when the URL sets
// none, or 0), and send TCP keep-alives, so that a database gone without
// closing them is noticed in about a minute. It warns through
// Options.Logger when this host's clock and the database's differ by more
// than 2s. The errors it returns never contain the URL's password.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	redact := redactor(url)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, redact(fmt.Errorf("the PostgreSQL URL is not valid: %w", err))
	}
	redact = redactor(url, cfg.ConnConfig.Password)
	configure(&cfg.ConnConfig.Config)
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, redact(fmt.Errorf("opening the PostgreSQL store: %w", err))
	}
	s := &Store{pool: pool, now: opts.Now, log: opts.Logger, connConfig: cfg.ConnConfig, redact: redact}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := migrate(ctx, pool, embeddedMigrations, s.log); err != nil {
		pool.Close()
		return nil, redact(fmt.Errorf("opening the PostgreSQL store %s: %w", describe(cfg.ConnConfig), err))
	}
	if err := s.checkClock(ctx); err != nil {
		pool.Close()
		return nil, redact(fmt.Errorf("opening the PostgreSQL store %s: reading the database's clock: %w", describe(cfg.ConnConfig), err))
	}
	return s, nil
}

// The connection settings configure applies.
const (
	defaultConnectTimeout = 10 * time.Second
	// A connection whose peer stopped answering is closed after
	// keepAliveIdle of silence and keepAliveCount unanswered probes
	// keepAliveInterval apart.
	keepAliveIdle     = 30 * time.Second
	keepAliveInterval = 10 * time.Second
	keepAliveCount    = 3
)

// configure sets what the store relies on, whatever the server's defaults:
// single statements, outside the transactions of tx, are written for read
// committed too; and a connection attempt, or a connection, to a database
// that stopped answering must fail rather than hang.
func configure(cfg *pgconn.Config) {
	cfg.RuntimeParams["default_transaction_isolation"] = "read committed"
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	d := &net.Dialer{
		Timeout: cfg.ConnectTimeout,
		KeepAliveConfig: net.KeepAliveConfig{
			Enable: true, Idle: keepAliveIdle, Interval: keepAliveInterval, Count: keepAliveCount,
		},
	}
	cfg.DialFunc = d.DialContext
}

// maxClockSkew is how far this host's clock may be from the database's
// before Open warns.
const maxClockSkew = 2 * time.Second

// checkClock warns when the store's clock is more than maxClockSkew from
// the database's. It compares the database's clock_timestamp() with the
// middle of the round trip that read it.
func (s *Store) checkClock(ctx context.Context) error {
	before := s.now()
	var db time.Time
	if err := s.pool.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&db); err != nil {
		return err
	}
	after := s.now()
	skew := before.Add(after.Sub(before) / 2).Sub(db)
	if skew.Abs() <= maxClockSkew {
		return nil
	}
	way := "ahead of"
	if skew < 0 {
		way = "behind"
	}
	s.log.WarnContext(ctx, fmt.Sprintf("store: this host's clock is %v %s the database's; job leases and leadership compare times written by different replicas, so keep clocks in sync (NTP)",
		skew.Abs().Round(time.Second), way), "skew", skew)
	return nil
}

// describe names the database cfg connects to, without its password.
func describe(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// redactor returns a function that replaces the password of connString,
// and every one of secrets, in an error's text: the pgx errors name the
// connection, and the server's log must not show a password.
func redactor(connString string, secrets ...string) func(error) error {
	if u, err := url.Parse(connString); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			secrets = append(secrets, pw, url.QueryEscape(pw), url.PathEscape(pw))
		}
	}
	// The password as written in the URL, escaped however its author
	// escaped it: errors quote the URL as given.
	if _, rest, ok := strings.Cut(connString, "://"); ok {
		authority, _, _ := strings.Cut(rest, "/")
		if at := strings.LastIndex(authority, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(authority[:at], ":"); ok {
				secrets = append(secrets, pw)
			}
		}
	}
	var pairs []string
	for _, s := range secrets {
		if s != "" {
			pairs = append(pairs, s, "xxxxx")
		}
	}
	r := strings.NewReplacer(pairs...)
	return func(err error) error {
		if err == nil || len(pairs) == 0 {
			return err
		}
		text := r.Replace(err.Error())
		if text == err.Error() {
			return err
		}
		return &redactedError{text: text, err: err}
	}
}

// redactedError is an error whose text had a password taken out. It
// unwraps to the original, so errors.Is still finds context.Canceled.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

// tx runs fn in a transaction (read committed), committing when fn
// returns nil and rolling back otherwise.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	// Explicit, whatever default_transaction_isolation the server has: the
	// queries here are written for read committed.
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, fn)
}

// clock returns the current time as stored: UTC, to the microsecond,
// PostgreSQL's precision.
func (s *Store) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// CheckWritable rewrites the one row of write_probe.
func (s *Store) CheckWritable(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO write_probe (id, probed_at) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at`, s.clock())
	if err != nil {
		return fmt.Errorf("the store cannot be written: %w", err)
	}
	return nil
}

// Close closes the store's connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation
// on the constraint or index named constraint.
func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
}
