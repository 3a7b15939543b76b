package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/pgtest"
	"github.com/csocbot/csocbot/store"
)

// openAuditStore opens a store on a new database and appends n entries
// to its audit log.
func openAuditStore(t *testing.T, n int) *Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.NewDatabase(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for i := range n {
		e := store.AuditEntry{Actor: "alice", Action: "apply_finished", Repo: "o/r", PR: 1, Unit: "live/vpc", Outcome: "failed", Detail: fmt.Sprint("entry ", i+1)}
		if _, err := s.AppendAudit(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// verifyAudit verifies s's audit log as csocbot audit verify does.
func verifyAudit(ctx context.Context, s *Store) error {
	var v store.AuditVerifier
	return s.AuditChain(ctx, v.Add)
}

// TestAuditLogIsAppendOnly checks that the database itself refuses to
// change or delete an audit entry.
func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	s := openAuditStore(t, 2)
	for _, stmt := range []string{
		`UPDATE audit_log SET detail = 'changed' WHERE seq = 1`,
		`DELETE FROM audit_log WHERE seq = 2`,
		`TRUNCATE audit_log`,
	} {
		_, err := s.pool.Exec(t.Context(), stmt)
		if err == nil || !strings.Contains(err.Error(), "the audit log is append-only") {
			t.Errorf("%s: %v, want the trigger's refusal", stmt, err)
		}
	}
	if err := verifyAudit(t.Context(), s); err != nil {
		t.Error(err)
	}
}

// TestAuditTamperEvidence tampers with the audit log in the database, as
// someone able to disable its triggers could, and checks that verifying
// the chain AuditChain reads finds it.
func TestAuditTamperEvidence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tamper  string // SQL run with the triggers disabled
		rehash  bool   // then give entry 3 the hash of its new contents
		wantSeq int64
	}{
		{name: "an entry edited", tamper: `UPDATE audit_log SET outcome = 'ok', detail = '' WHERE seq = 3`, wantSeq: 3},
		{name: "an entry deleted", tamper: `DELETE FROM audit_log WHERE seq = 3`, wantSeq: 3},
		{name: "an entry's time moved", tamper: `UPDATE audit_log SET at = at + interval '1 microsecond' WHERE seq = 3`, wantSeq: 3},
		{name: "an entry edited and rehashed", tamper: `UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`, rehash: true, wantSeq: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := openAuditStore(t, 5)
			if err := verifyAudit(ctx, s); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			for _, stmt := range []string{`ALTER TABLE audit_log DISABLE TRIGGER USER`, tt.tamper} {
				if _, err := s.pool.Exec(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			if tt.rehash {
				entries, err := s.Audit(ctx, store.AuditFilter{})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.pool.Exec(ctx, `UPDATE audit_log SET hash = $1 WHERE seq = 3`, entries[2].ComputeHash()); err != nil {
					t.Fatal(err)
				}
			}
			err := verifyAudit(ctx, s)
			var chainErr *store.AuditChainError
			if !errors.As(err, &chainErr) || chainErr.Seq != tt.wantSeq {
				t.Errorf("verifying the tampered log: %v; want an AuditChainError at entry %d", err, tt.wantSeq)
			}
		})
	}
}

// TestAuditChainPages checks that AuditChain reads a log longer than a
// page whole, in order.
func TestAuditChainPages(t *testing.T) {
	t.Parallel()
	const n = 2*store.AuditPage + 1
	s := openAuditStore(t, n)
	var v store.AuditVerifier
	if err := s.AuditChain(t.Context(), v.Add); err != nil {
		t.Fatal(err)
	}
	if seq, _ := v.Head(); seq != n {
		t.Errorf("read %d entries, want %d", seq, n)
	}
}
