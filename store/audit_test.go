package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAuditEntryComputeHash pins the documented encoding: the hash below
// was computed from the documentation alone, by a separate program.
func TestAuditEntryComputeHash(t *testing.T) {
	e := AuditEntry{
		Seq:        7,
		Time:       time.Date(2026, 12, 3, 20, 36, 16, 123400000, time.FixedZone("CET", 3600)),
		Actor:      "alice",
		Action:     "apply_finished",
		Repo:       "gen3/infra",
		PR:         12,
		HeadSHA:    "0123abcd",
		Unit:       "live/prod/vpc",
		PlanSHA256: "ab12cd34",
		RoleARN:    "arn:aws:iam::123456789012:role/csocbot-apply",
		Outcome:    "ok",
		Detail:     "3 added, 0 changed, 0 destroyed",
		PrevHash:   "ffee",
		Hash:       "not part of the hash",
	}
	const want = "bb4b6ee91a707f3abe22ed480cf85a690bdab27a88f97da6e931e3f2d80a3eb0"
	if got := e.ComputeHash(); got != want {
		t.Errorf("ComputeHash = %s, want %s", got, want)
	}

	// Moving text from one field to the next changes the hash.
	moved := e
	moved.Actor, moved.Action = "aliceapply", "_finished"
	if moved.ComputeHash() == e.ComputeHash() {
		t.Error("two entries differing only in where a field ends hash alike")
	}
}

// TestAuditVerifier checks what the verifier says about chains broken in
// ways a store would not break them.
func TestAuditVerifier(t *testing.T) {
	chain := func(n int) []AuditEntry {
		var out []AuditEntry
		prev := ""
		for i := range n {
			e := AuditEntry{Seq: int64(i + 1), Actor: "csocbot", Action: "webhook", PrevHash: prev}
			e.Hash = e.ComputeHash()
			prev = e.Hash
			out = append(out, e)
		}
		return out
	}
	tests := []struct {
		name    string
		entries []AuditEntry
		wantSeq int64
		wantErr string
	}{
		{name: "empty", entries: nil},
		{name: "several missing", entries: append(chain(2), chain(6)[4:]...), wantSeq: 3, wantErr: "every entry up to 4 (the entry after 2 is 5): they were deleted"},
		{name: "one missing", entries: append(chain(2), chain(4)[3:]...), wantSeq: 3, wantErr: "it is missing (the entry after 2 is 4)"},
		{name: "repeated", entries: append(chain(3), chain(3)[2]), wantSeq: 3, wantErr: "comes again, or out of order, after entry 3"},
		{
			name: "a first entry with a previous hash",
			entries: func() []AuditEntry {
				e := AuditEntry{Seq: 1, Actor: "csocbot", Action: "webhook", PrevHash: "abc"}
				e.Hash = e.ComputeHash()
				return []AuditEntry{e}
			}(),
			wantSeq: 1,
			wantErr: "the first entry names a previous hash",
		},
		{
			name: "edited",
			entries: func() []AuditEntry {
				c := chain(3)
				c[1].Detail = "changed"
				return c
			}(),
			wantSeq: 2,
			wantErr: "it was edited",
		},
		{
			name: "rewritten with its hash",
			entries: func() []AuditEntry {
				c := chain(3)
				c[1].Detail = "changed"
				c[1].Hash = c[1].ComputeHash()
				return c
			}(),
			wantSeq: 3,
			wantErr: "entry 2 was rewritten",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyAudit(tt.entries)
			if tt.wantSeq == 0 {
				if err != nil {
					t.Errorf("VerifyAudit: %v", err)
				}
				return
			}
			var chainErr *AuditChainError
			if !errors.As(err, &chainErr) || chainErr.Seq != tt.wantSeq || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("VerifyAudit: %v; want an AuditChainError at entry %d saying %q", err, tt.wantSeq, tt.wantErr)
			}
		})
	}
}

// TestAuditVerifierHead checks the head a verifier reports, which the
// server logs so that a deleted tail can be found later.
func TestAuditVerifierHead(t *testing.T) {
	var v AuditVerifier
	if seq, hash := v.Head(); seq != 0 || hash != "" {
		t.Errorf("head before any entry: %d %q", seq, hash)
	}
	e := AuditEntry{Seq: 1, Actor: "csocbot", Action: "webhook"}
	e.Hash = e.ComputeHash()
	if err := v.Add(e); err != nil {
		t.Fatal(err)
	}
	if seq, hash := v.Head(); seq != 1 || hash != e.Hash {
		t.Errorf("head %d %q, want 1 %q", seq, hash, e.Hash)
	}
}

// TestWalkAudit walks logs of several lengths around the page size, and
// checks that a page's error is explained and fn's is returned as it is.
func TestWalkAudit(t *testing.T) {
	for _, n := range []int{0, 1, AuditPage, AuditPage + 1, 2*AuditPage + 1} {
		var reads int
		page := func(after int64, limit int) ([]AuditEntry, error) {
			reads++
			var out []AuditEntry
			for seq := after + 1; seq <= int64(n) && len(out) < limit; seq++ {
				out = append(out, AuditEntry{Seq: seq})
			}
			return out, nil
		}
		var next int64 = 1
		err := WalkAudit(page, func(e AuditEntry) error {
			if e.Seq != next {
				return fmt.Errorf("entry %d, want %d", e.Seq, next)
			}
			next++
			return nil
		})
		if err != nil || next != int64(n)+1 || reads != n/AuditPage+1 {
			t.Errorf("%d entries: walked to %d in %d reads (%v)", n, next-1, reads, err)
		}
	}

	failing := func(after int64, limit int) ([]AuditEntry, error) { return nil, errors.New("boom") }
	if err := WalkAudit(failing, func(AuditEntry) error { return nil }); err == nil || err.Error() != "reading the audit log after entry 0: boom" {
		t.Errorf("a failing read gave %v", err)
	}
	stop := errors.New("stop")
	one := func(after int64, limit int) ([]AuditEntry, error) { return []AuditEntry{{Seq: 1}}, nil }
	if err := WalkAudit(one, func(AuditEntry) error { return stop }); err != stop {
		t.Errorf("fn's error became %v", err)
	}
}
