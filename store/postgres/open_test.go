package postgres

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/csocbot/csocbot/internal/pgtest"
	"github.com/csocbot/csocbot/internal/testtools"
)

// TestConfigure checks the connection settings Open applies over the
// URL's.
func TestConfigure(t *testing.T) {
	tests := []struct {
		url         string
		wantTimeout time.Duration
	}{
		{"postgres://u@h/db", defaultConnectTimeout},
		{"postgres://u@h/db?connect_timeout=3", 3 * time.Second},
		{"postgres://u@h/db?connect_timeout=0", defaultConnectTimeout},
		{"postgres://u@h/db?default_transaction_isolation=serializable", defaultConnectTimeout},
	}
	for _, tt := range tests {
		cfg, err := pgconn.ParseConfig(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		configure(cfg)
		if cfg.ConnectTimeout != tt.wantTimeout {
			t.Errorf("%s: connect timeout %v, want %v", tt.url, cfg.ConnectTimeout, tt.wantTimeout)
		}
		if got := cfg.RuntimeParams["default_transaction_isolation"]; got != "read committed" {
			t.Errorf("%s: default_transaction_isolation %q, want read committed", tt.url, got)
		}
		if cfg.DialFunc == nil {
			t.Errorf("%s: no DialFunc", tt.url)
		}
	}
}

// TestReadCommittedWhateverTheServerDefault checks that the store's single
// statements run read committed on a database whose default is
// serializable.
func TestReadCommittedWhateverTheServerDefault(t *testing.T) {
	url := pgtest.NewDatabase(t)
	s := open(t, url)
	db := s.connConfig.Database
	if _, err := s.pool.Exec(t.Context(), `ALTER DATABASE `+pgx.Identifier{db}.Sanitize()+` SET default_transaction_isolation = 'serializable'`); err != nil {
		t.Fatal(err)
	}
	plain, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close(t.Context())
	var got string
	if err := plain.QueryRow(t.Context(), `SHOW transaction_isolation`).Scan(&got); err != nil || got != "serializable" {
		t.Fatalf("a plain connection's statement runs %s (%v); the database's default did not take", got, err)
	}
	if err := open(t, url).pool.QueryRow(t.Context(), `SHOW transaction_isolation`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "read committed" {
		t.Errorf("a statement runs %s, want read committed", got)
	}
}

// TestClockSkewWarning checks that Open warns when this host's clock is
// off the database's, saying which way, and only then.
func TestClockSkewWarning(t *testing.T) {
	url := pgtest.NewDatabase(t)
	tests := []struct {
		offset time.Duration
		want   string // in the warning, "" for none
	}{
		{0, ""},
		{time.Hour, "1h0m0s ahead of the database's"},
		{-10 * time.Second, "10s behind the database's"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.offset), func(t *testing.T) {
			var logs testtools.SyncBuffer
			s, err := Open(t.Context(), url, Options{
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
				Now:    func() time.Time { return time.Now().Add(tt.offset) },
			})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			got := logs.String()
			if tt.want == "" && got != "" || tt.want != "" && (!strings.Contains(got, tt.want) || !strings.Contains(got, "NTP")) {
				t.Errorf("logged %q, want a warning saying %q", got, tt.want)
			}
		})
	}
}
