package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"time"
)

// AuditEntry is one record of the audit log: a command, an event or an
// outcome. The log is a hash chain: each entry's Hash covers its contents
// and the Hash of the entry before it, so editing, inserting or deleting an
// entry breaks the chain at that point ([AuditVerifier]). Its JSON form is
// what `csocbot audit --json` and the server's GET /api/audit print.
type AuditEntry struct {
	Seq  int64     `json:"seq"`  // set by the store: 1, 2, … with no gaps
	Time time.Time `json:"time"` // set by the store
	// Actor is the GitHub login that caused the entry, "csocbot" for the
	// bot itself, or an operator's name.
	Actor string `json:"actor"`
	// Action is what happened: "webhook", "plan", "policy", "approval",
	// "override", "lock", "unlock", "apply_started", "apply_finished",
	// "refusal", "interrupted", …
	Action     string `json:"action"`
	Repo       string `json:"repo"` // owner/name
	PR         int    `json:"pr"`
	HeadSHA    string `json:"head_sha"`
	Unit       string `json:"unit"`
	PlanSHA256 string `json:"plan_sha256"`
	RoleARN    string `json:"role_arn"`  // the cloud role the run used, never its credentials
	Outcome    string `json:"outcome"`   // "ok", "failed", "refused", "denied", …
	Detail     string `json:"detail"`    // a short text, never a secret
	PrevHash   string `json:"prev_hash"` // set by the store: the previous entry's Hash, "" for the first
	Hash       string `json:"hash"`      // set by the store: [AuditEntry.ComputeHash]
}

// AuditFilter selects audit entries for [Store.Audit]. Zero fields select
// everything.
type AuditFilter struct {
	Repo  string
	PR    int
	Unit  string
	Since time.Time // entries recorded at or after this time
	// Limit keeps only the newest Limit entries that match.
	Limit int
}

// auditHashVersion starts the encoding ComputeHash hashes; a change of the
// encoding would take a new one.
const auditHashVersion = "csocbot-audit-v1"

// ComputeHash returns the hash of e: the lowercase hex SHA-256 of its
// canonical encoding, which every field but Hash goes into, PrevHash
// included.
//
// The encoding is a list of byte strings, each written as its length (an
// unsigned 64-bit big-endian integer) followed by its bytes, in this order:
//
//	"csocbot-audit-v1"
//	Seq            decimal
//	Time           RFC 3339 in UTC with as many fraction digits as needed
//	               (Go's time.RFC3339Nano), "2026-12-03T19:36:16.123456Z"
//	Actor, Action, Repo
//	PR             decimal
//	HeadSHA, Unit, PlanSHA256, RoleARN, Outcome, Detail, PrevHash
//
// Strings are written as they are (UTF-8), so no two different entries
// encode alike.
func (e AuditEntry) ComputeHash() string {
	h := sha256.New()
	for _, f := range []string{
		auditHashVersion,
		strconv.FormatInt(e.Seq, 10),
		e.Time.UTC().Format(time.RFC3339Nano),
		e.Actor, e.Action, e.Repo,
		strconv.Itoa(e.PR),
		e.HeadSHA, e.Unit, e.PlanSHA256, e.RoleARN, e.Outcome, e.Detail, e.PrevHash,
	} {
		writeField(h, f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeField(h hash.Hash, f string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(f)))
	h.Write(n[:])
	h.Write([]byte(f))
}

// AuditChainError says where and how an audit log's chain is broken.
type AuditChainError struct {
	Seq    int64  // the first entry found wrong, or missing
	Reason string // what is wrong with it
}

func (e *AuditChainError) Error() string {
	return fmt.Sprintf("the audit log is broken at entry %d: %s", e.Seq, e.Reason)
}

// AuditVerifier checks an audit log's chain entry by entry, from the first,
// as [Store.AuditChain] reads it: that the entries are numbered 1, 2, …
// with none missing (a deletion), that each one's Hash matches its contents
// (an edit), and that each one's PrevHash is the previous entry's Hash (an
// entry rewritten along with its hash, or inserted). The zero value is
// ready to check a log from its first entry.
//
// A chain checks only itself: someone able to rewrite the database could
// delete its last entries, or rewrite every entry from some point on, and
// leave a valid chain. Comparing [AuditVerifier.Head] with a head recorded
// elsewhere earlier (the server logs it) detects that.
type AuditVerifier struct {
	seq  int64
	hash string
}

// Add checks the next entry of the log. It returns an [*AuditChainError]
// for the first problem it finds; the verifier is then not to be used
// further.
func (v *AuditVerifier) Add(e AuditEntry) error {
	switch want := v.seq + 1; {
	case e.Seq == want+1:
		return &AuditChainError{Seq: want, Reason: fmt.Sprintf("it is missing (the entry after %d is %d): it was deleted", v.seq, e.Seq)}
	case e.Seq > want:
		return &AuditChainError{Seq: want, Reason: fmt.Sprintf("it is missing, with every entry up to %d (the entry after %d is %d): they were deleted", e.Seq-1, v.seq, e.Seq)}
	case e.Seq < want:
		return &AuditChainError{Seq: e.Seq, Reason: fmt.Sprintf("it comes again, or out of order, after entry %d", v.seq)}
	}
	if got := e.ComputeHash(); got != e.Hash {
		return &AuditChainError{Seq: e.Seq, Reason: fmt.Sprintf("its contents hash to %s, not to its recorded hash %s: it was edited", got, e.Hash)}
	}
	if e.PrevHash != v.hash {
		if v.seq == 0 {
			return &AuditChainError{Seq: e.Seq, Reason: fmt.Sprintf("the first entry names a previous hash, %s", e.PrevHash)}
		}
		return &AuditChainError{Seq: e.Seq, Reason: fmt.Sprintf("it records %s as the hash of entry %d, which is %s: entry %d was rewritten (or this one was)", e.PrevHash, v.seq, v.hash, v.seq)}
	}
	v.seq, v.hash = e.Seq, e.Hash
	return nil
}

// Head returns the Seq and Hash of the last entry checked, 0 and "" before
// the first.
func (v *AuditVerifier) Head() (seq int64, hash string) {
	return v.seq, v.hash
}

// VerifyAudit checks a whole audit log, entries in Seq order from the
// first, with an [AuditVerifier].
func VerifyAudit(entries []AuditEntry) error {
	var v AuditVerifier
	for _, e := range entries {
		if err := v.Add(e); err != nil {
			return err
		}
	}
	return nil
}

// AuditPage is how many entries [WalkAudit] asks for at a time: a store
// holds no query open while fn runs, and no more than a page in memory.
const AuditPage = 1000

// WalkAudit calls fn on each entry of the audit log in Seq order, reading
// it a page at a time with page, which returns at most limit entries after
// the entry numbered after, in Seq order. It stops at fn's first error and
// returns it. Stores implement [Store.AuditChain] with it.
func WalkAudit(page func(after int64, limit int) ([]AuditEntry, error), fn func(AuditEntry) error) error {
	var after int64
	for {
		entries, err := page(after, AuditPage)
		if err != nil {
			return fmt.Errorf("reading the audit log after entry %d: %w", after, err)
		}
		for _, e := range entries {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(entries) < AuditPage {
			return nil
		}
		after = entries[len(entries)-1].Seq
	}
}
