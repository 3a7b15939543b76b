package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/store"
)

// TestAuditLogIsAppendOnly checks that the database itself refuses to
// change or delete an audit entry.
func TestAuditLogIsAppendOnly(t *testing.T) {
	s, _ := openTemp(t, Options{})
	appendAudit(t, s, 2)
	for _, stmt := range []string{
		`UPDATE audit_log SET detail = 'changed' WHERE seq = 1`,
		`DELETE FROM audit_log WHERE seq = 2`,
	} {
		_, err := s.db.ExecContext(t.Context(), stmt)
		if err == nil || !strings.Contains(err.Error(), "the audit log is append-only") {
			t.Errorf("%s: %v, want the trigger's refusal", stmt, err)
		}
	}
}

// TestAuditTamperEvidence tampers with the audit log in the database file,
// as someone with access to it and willing to drop the triggers could, and
// checks that verifying the chain AuditChain reads finds it.
func TestAuditTamperEvidence(t *testing.T) {
	tests := []struct {
		name    string
		tamper  []string // SQL run once the triggers are dropped
		rehash  bool     // then give entry 3 the hash of its new contents
		wantSeq int64
	}{
		{
			name:    "an entry edited",
			tamper:  []string{`UPDATE audit_log SET outcome = 'ok', detail = '' WHERE seq = 3`},
			wantSeq: 3,
		},
		{
			name:    "an entry deleted",
			tamper:  []string{`DELETE FROM audit_log WHERE seq = 3`},
			wantSeq: 3,
		},
		{
			name:    "an entry edited and rehashed",
			tamper:  []string{`UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`},
			rehash:  true,
			wantSeq: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s, _ := openTemp(t, Options{})
			appendAudit(t, s, 5)
			if err := verify(ctx, s); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			stmts := append([]string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}, tt.tamper...)
			for _, stmt := range stmts {
				if _, err := s.db.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			if tt.rehash {
				var third store.AuditEntry
				err := s.AuditChain(ctx, func(e store.AuditEntry) error {
					if e.Seq == 3 {
						third = e
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.db.ExecContext(ctx, `UPDATE audit_log SET hash = ? WHERE seq = 3`, third.ComputeHash()); err != nil {
					t.Fatal(err)
				}
			}
			err := verify(ctx, s)
			var chainErr *store.AuditChainError
			if !errors.As(err, &chainErr) || chainErr.Seq != tt.wantSeq {
				t.Errorf("verifying the tampered log: %v; want an AuditChainError at entry %d", err, tt.wantSeq)
			}
		})
	}
}

// appendAudit appends n entries to s's audit log.
func appendAudit(t *testing.T, s *Store, n int) {
	t.Helper()
	for i := range n {
		e := store.AuditEntry{Actor: "alice", Action: "apply_finished", Repo: "o/r", PR: 1, Unit: "live/vpc", Outcome: "failed", Detail: fmt.Sprint("entry ", i+1)}
		if _, err := s.AppendAudit(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// verify verifies s's audit log as csocbot audit verify does.
func verify(ctx context.Context, s *Store) error {
	var v store.AuditVerifier
	return s.AuditChain(ctx, v.Add)
}

// TestAuditChainPages checks that AuditChain reads a log longer than a
// page whole, in order.
func TestAuditChainPages(t *testing.T) {
	s, _ := openTemp(t, Options{})
	const n = 2*store.AuditPage + 1
	appendAudit(t, s, n)
	var v store.AuditVerifier
	if err := s.AuditChain(t.Context(), v.Add); err != nil {
		t.Fatal(err)
	}
	if seq, _ := v.Head(); seq != n {
		t.Errorf("read %d entries, want %d", seq, n)
	}
}
