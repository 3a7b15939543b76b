package server

import (
	"context"
	"errors"
	"time"

	"github.com/csocbot/csocbot/store"
)

// auditHeadInterval is how often the server verifies the audit log and
// logs its head.
const auditHeadInterval = time.Hour

// logAuditHead verifies the audit log's hash chain at start and then
// every s.auditHeadEvery until ctx ends, and writes the chain's head (the
// last entry's number and hash) to the log output. The chain shows an
// entry edited or deleted in the middle; the heads in the log show the
// last entries deleted, or the log rewritten from some entry on, which
// leave a valid chain: a later head must extend an earlier one.
func (s *Server) logAuditHead(ctx context.Context) {
	tick := time.NewTicker(s.auditHeadEvery)
	defer tick.Stop()
	for {
		s.verifyAudit(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// verifyAudit verifies the audit log once and logs its head, or where it
// is broken.
func (s *Server) verifyAudit(ctx context.Context) {
	var v store.AuditVerifier
	err := s.store.AuditChain(ctx, v.Add)
	var broken *store.AuditChainError
	switch {
	case errors.As(err, &broken):
		s.log.Error("the audit log was tampered with: "+broken.Error()+"; compare it with a backup and with the heads logged earlier", "seq", broken.Seq)
	case err != nil:
		if ctx.Err() == nil {
			s.log.Error("could not read the audit log to verify it", "error", err)
		}
	default:
		seq, hash := v.Head()
		s.log.Info("audit chain head", "seq", seq, "hash", hash)
	}
}
