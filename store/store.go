package store

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// Store is everything the server keeps in its database.
//
// Every method is safe for concurrent use, by several goroutines and by
// several processes sharing one database. Times are kept in UTC, to the
// microsecond. The conformance suite in store/storetest checks every
// implementation against what this interface promises.
type Store interface {
	// RecordDelivery records the webhook delivery deliveryID (GitHub's
	// X-GitHub-Delivery header) and enqueues job for it, atomically. The
	// first time it returns the new job and true; for a delivery it has seen
	// before it enqueues nothing and returns the job the first one enqueued,
	// and false.
	RecordDelivery(ctx context.Context, deliveryID string, job NewJob) (Job, bool, error)

	// Enqueue adds a job to the queue. It refuses a payload that is not
	// JSON.
	Enqueue(ctx context.Context, job NewJob) (Job, error)

	// Claim atomically takes the oldest runnable job (queued, with RunAfter
	// not in the future) of one of kinds, or of any kind when kinds is empty,
	// marks it running by worker, leased for lease (see RenewLeases), and
	// counts the attempt. An apply job is not runnable while another apply
	// job with the same key runs: a pull request's applies never overlap,
	// whichever processes claim them. It returns false when no job is
	// runnable. worker must name one worker of one process: processes
	// sharing the database use different names.
	Claim(ctx context.Context, worker string, lease time.Duration, kinds ...Kind) (Job, bool, error)

	// RenewLeases extends to now+lease the leases of the jobs ids that
	// worker claimed and that are still running, and returns the others
	// of ids: jobs superseded while they ran, or taken over by
	// ReclaimExpired after their lease ended. The worker stops those.
	RenewLeases(ctx context.Context, worker string, lease time.Duration, ids ...int64) (lost []int64, err error)

	// ReclaimExpired deals with the running jobs whose lease has ended:
	// the process running them died, or lost the database for longer than
	// a lease. A retry-safe job (see [Kind.RetrySafe]) is queued again at
	// once, so another process finishes it, unless it has been attempted
	// [MaxAttempts] times; that one, and every other job, an apply in
	// particular, is marked failed with [InterruptedMessage]. It returns
	// the jobs it failed, oldest first, so the server can say so on their
	// pull requests. Every process sharing a database calls it now and
	// then; it is safe to call at any time.
	ReclaimExpired(ctx context.Context) (failed []Job, err error)

	// Lead makes holder the leader of role (such as "slack") until
	// now+lease when nobody leads it or the leader's lease has ended, or
	// extends holder's lease when it leads it already, and reports whether
	// holder leads role now. It lets one process of several do what must
	// be done once, such as sending the Slack outbox in order.
	Lead(ctx context.Context, role, holder string, lease time.Duration) (bool, error)

	// Resign gives role up when holder leads it, so that another process
	// leads it at once rather than a lease later (a replica stopping
	// cleanly); it does nothing otherwise.
	Resign(ctx context.Context, role, holder string) error

	// Complete marks a job worker runs done. It returns an error wrapping
	// [ErrNotRunning] when the job is no longer running for worker: a
	// newer job superseded it while it ran (see [NewJob.Supersedes]), or
	// its lease ended and ReclaimExpired took it (it may run for another
	// worker by now). Complete, Fail and Release are fenced by worker so
	// that a worker that lost its job never records over its new owner.
	Complete(ctx context.Context, id int64, worker string) error

	// Fail records that a running job failed with cause. A job whose kind is
	// safe to run again (plan, refresh_repo) is queued again after a backoff
	// that doubles with each attempt (see [Backoff]), until it has been
	// attempted [MaxAttempts] times; every other job, an apply in
	// particular, fails at once. It returns the job as it is now, queued or
	// failed, or an error wrapping [ErrNotRunning] when the job is no
	// longer running for worker (see Complete). The cause is kept as
	// text, made valid UTF-8 without NUL bytes.
	Fail(ctx context.Context, id int64, worker string, cause error) (Job, error)

	// Release puts a running job back in the queue, without counting the
	// attempt, when its kind is safe to run again: the server stopped it
	// while shutting down cleanly, so the job neither failed nor crashed
	// anything. It returns false, leaving the job running for
	// RecoverAfterRestart, for the other kinds, or an error wrapping
	// [ErrNotRunning] when the job is no longer running for worker.
	Release(ctx context.Context, id int64, worker string) (bool, error)

	// RecoverAfterRestart deals with the jobs a previous process left
	// running. It is meant to be called once at startup, before any worker
	// claims, and takes every running job for abandoned, so no other process
	// may be running jobs from the same database: a single replica's
	// store calls it, replicas sharing a database rely on ReclaimExpired. Every one is marked
	// failed with [InterruptedMessage], plans too, and returned, oldest
	// first, so the server can say so on their pull requests: a job the
	// process was running when it died may be what killed it, and running
	// it again would kill the next one (jobs a clean shutdown stopped were
	// released, see Release).
	RecoverAfterRestart(ctx context.Context) ([]Job, error)

	// CheckWritable commits a one-row write, so that readiness reports a
	// store that can no longer record deliveries (a full disk, a file
	// system remounted read-only).
	CheckWritable(ctx context.Context) error

	// GetJob returns one job, or an error wrapping [ErrNotFound].
	GetJob(ctx context.Context, id int64) (Job, error)

	// ListJobs returns the jobs that match filter, newest first.
	ListJobs(ctx context.Context, filter JobFilter) ([]Job, error)

	// UpsertRun records a run, replacing the one for the same repo, pull
	// request, head and unit if there is one (its ID and CreatedAt are
	// kept). It refuses a state it does not know, and a Summary or Policy
	// that is not JSON.
	UpsertRun(ctx context.Context, run Run) (Run, error)

	// Runs returns the runs of one pull request head, ordered by unit.
	Runs(ctx context.Context, repo string, pr int, headSHA string) ([]Run, error)

	// LatestRuns returns, for every unit a pull request has run, the run at
	// the newest head that ran it, ordered by unit.
	LatestRuns(ctx context.Context, repo string, pr int) ([]Run, error)

	// RecordComment records a comment csocbot posted. Recording the same
	// comment id again replaces its kind and head. It refuses a kind it
	// does not know.
	RecordComment(ctx context.Context, c Comment) error

	// Comments returns the comments csocbot posted on a pull request, oldest
	// first.
	Comments(ctx context.Context, repo string, pr int) ([]Comment, error)

	// ApprovePolicy records a policy approval. Approving the same set at
	// the same head again, under a login that differs at most in case,
	// records nothing and returns the first approval and false.
	ApprovePolicy(ctx context.Context, a PolicyApproval) (PolicyApproval, bool, error)

	// PolicyApprovals returns the approvals given at one pull request head,
	// oldest first.
	PolicyApprovals(ctx context.Context, repo string, pr int, headSHA string) ([]PolicyApproval, error)

	// TryLock takes l's lock (see [Lock]) for l.PR, atomically. When
	// nobody holds the lock, or l.PR already does (its HeadSHA and Holder
	// are then updated, its Acquired kept), it returns the lock as stored
	// and true; otherwise the lock as its holder holds it, and false. No
	// two pull requests ever hold one lock, whatever the processes
	// sharing the database do at the same time. It refuses a lock without
	// a repository, a unit or a pull request.
	TryLock(ctx context.Context, l Lock) (Lock, bool, error)

	// Unlock releases the locks pull request pr holds in repo on units,
	// in every workspace, or all its locks when units is empty. It
	// returns the locks it released, ordered by unit then workspace.
	Unlock(ctx context.Context, repo string, pr int, units ...string) ([]Lock, error)

	// ForceUnlock releases one lock whoever holds it (an operator's
	// release) and returns it, or false when nobody held it.
	ForceUnlock(ctx context.Context, repo, unit, workspace string) (Lock, bool, error)

	// Locks lists the locks held in repo, or in every repository when
	// repo is "", ordered by repository, unit and workspace.
	Locks(ctx context.Context, repo string) ([]Lock, error)

	// SavePlanFile stores the plan file of a unit at a pull request head,
	// replacing the one stored there before. It refuses a plan file
	// without Plan or SHA256.
	SavePlanFile(ctx context.Context, f PlanFile) error

	// PlanFile returns the plan file of a unit at a pull request head, or
	// an error wrapping [ErrNotFound].
	PlanFile(ctx context.Context, repo string, pr int, unit, headSHA string) (PlanFile, error)

	// DeletePlanFiles deletes every plan file of a pull request at a head
	// other than keepHead (every one when keepHead is ""): the plans a
	// push superseded, or all of them once the pull request is closed. It
	// returns how many it deleted.
	DeletePlanFiles(ctx context.Context, repo string, pr int, keepHead string) (int64, error)

	// DeletePlanFile deletes the plan file of a unit at a pull request
	// head, once it is applied; deleting one that is not there is not an
	// error.
	DeletePlanFile(ctx context.Context, repo string, pr int, unit, headSHA string) error

	// AppendAudit appends e to the audit log and returns it as stored: the
	// store sets Seq (the previous entry's plus one, starting at 1), Time,
	// PrevHash (the previous entry's Hash, "" for the first) and Hash
	// ([AuditEntry.ComputeHash]), in one transaction, so appends from
	// several processes at once keep the chain linear. It refuses an entry
	// without Actor or Action. The store never changes or deletes an
	// entry.
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)

	// Audit returns the audit entries that match f, oldest first.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)

	// AuditChain calls fn with every audit entry in Seq order, for
	// [AuditVerifier], and stops at the first error fn returns, which it
	// returns as it is.
	AuditChain(ctx context.Context, fn func(AuditEntry) error) error

	// SlackThread returns the thread of pull request pr of repo in
	// channel, or false when csocbot has not started one there.
	SlackThread(ctx context.Context, repo string, pr int, channel string) (SlackThread, bool, error)

	// SaveSlackThread records a thread, replacing the one of the same
	// repository, pull request and channel; the store sets UpdatedAt. It
	// refuses a thread without a repository, a pull request, a channel or
	// a TS.
	SaveSlackThread(ctx context.Context, th SlackThread) error

	// EnqueueSlack adds d to the Slack outbox, pending, and returns it as
	// stored: the store sets ID and CreatedAt, NextAttempt when it is zero
	// (to now), and starts Attempts, DeliveredAt and LastError afresh. It
	// refuses a delivery without a repository, a pull request or a
	// channel, or whose Event is not JSON.
	EnqueueSlack(ctx context.Context, d SlackDelivery) (SlackDelivery, error)

	// DueSlackDeliveries returns the pending deliveries whose NextAttempt
	// is not after now, oldest (first enqueued) first, at most limit of
	// them when limit is positive.
	DueSlackDeliveries(ctx context.Context, now time.Time, limit int) ([]SlackDelivery, error)

	// MarkSlackDelivered records that delivery id was delivered at at, so
	// that it is never sent again. Marking one already delivered changes
	// nothing; an unknown id is an error wrapping [ErrNotFound].
	MarkSlackDelivered(ctx context.Context, id int64, at time.Time) error

	// RetrySlackDelivery records a failed attempt to send delivery id:
	// Attempts goes up by one, LastError becomes lastError and the
	// delivery is due again at next. An unknown id is an error wrapping
	// [ErrNotFound], and so is a delivery already delivered.
	RetrySlackDelivery(ctx context.Context, id int64, next time.Time, lastError string) error

	// SlackDeliveryCounts says how Slack delivery is going now: how many
	// deliveries are pending, and how many failed attempts those pending
	// deliveries have had (0 while Slack takes every message at the first
	// attempt).
	SlackDeliveryCounts(ctx context.Context) (pending, failedAttempts int, err error)

	// Prune deletes the records last touched before olderThan that
	// nothing will need, so that the store does not grow forever:
	//   - webhook deliveries received before then (a redelivery of one
	//     of them is then taken for a new delivery);
	//   - finished jobs (done, failed, interrupted, superseded or
	//     cancelled) last updated before then, never queued or running
	//     ones;
	//   - the runs, comments, policy approvals and plan files of every
	//     pull request that has no queued or running job (see
	//     [PullRequestKey]) and none of whose runs, comments, approvals
	//     and plan files was recorded or updated since then. A pull
	//     request's records go together: one with work under way keeps
	//     them all, and one left alone for longer starts afresh, like a
	//     new pull request, when it is next pushed or commented on. No
	//     other pull request's plan file is deleted;
	//   - Slack deliveries delivered before then, never pending ones.
	// Locks and audit entries are never deleted: a lock is held until it
	// is released, and the audit log is append-only.
	// It returns how many of each it deleted.
	Prune(ctx context.Context, olderThan time.Time) (PruneCounts, error)

	// Close releases the database.
	Close() error
}

// PruneCounts is what [Store.Prune] deleted.
type PruneCounts struct {
	Deliveries      int64
	Jobs            int64
	Runs            int64
	Comments        int64
	PolicyApprovals int64
	PlanFiles       int64
	SlackDeliveries int64
}

var (
	// ErrNotFound is returned for a job or a plan file that does not
	// exist.
	ErrNotFound = errors.New("not found")
	// ErrNotRunning is returned when completing or failing a job that is no
	// longer running.
	ErrNotRunning = errors.New("job is not running")
)

// Kind says what a job does.
type Kind string

// The kinds of job the server runs.
const (
	KindPlan           Kind = "plan"
	KindApply          Kind = "apply"
	KindCommentCommand Kind = "comment_command"
	KindRefreshRepo    Kind = "refresh_repo"
	// KindNotice posts a comment csocbot owes a pull request, such as why
	// it did not plan it.
	KindNotice Kind = "notice"
	// KindPullRequestClosed cleans up after a closed pull request.
	KindPullRequestClosed Kind = "pull_request_closed"
)

// RetrySafe reports whether a job of kind k may run again after a failure
// or an interruption: running it twice must change nothing but csocbot's
// own output. An apply changes infrastructure, and a comment command may
// enqueue one, so neither is.
func (k Kind) RetrySafe() bool {
	return k == KindPlan || k == KindRefreshRepo || k == KindPullRequestClosed
}

// JobState is where a job is in its life.
type JobState string

// Job states. Queued and running jobs are active; the others are final.
const (
	JobQueued      JobState = "queued"
	JobRunning     JobState = "running"
	JobDone        JobState = "done"
	JobFailed      JobState = "failed"
	JobInterrupted JobState = "interrupted" // the process stopped while it ran (set by versions before issue 10, which now fail such jobs)
	JobSuperseded  JobState = "superseded"  // a newer job for the same key replaced it
	JobCancelled   JobState = "cancelled"   // stopped on request; no operation sets it yet
)

// MaxAttempts is how many times a retry-safe job is attempted before it
// fails for good.
const MaxAttempts = 5

// Backoff before the second attempt; it doubles for each further attempt, up
// to maxBackoff.
const (
	firstBackoff = 10 * time.Second
	maxBackoff   = 5 * time.Minute
)

// Backoff is how long a retry-safe job waits after failing its attempt-th
// attempt.
func Backoff(attempt int) time.Duration {
	d := firstBackoff
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// InterruptedMessage is the LastError of the jobs
// [Store.RecoverAfterRestart] fails.
const InterruptedMessage = "csocbot stopped while the job was running (the job may have crashed it), so it is not run again automatically"

// PullRequestKey is the [NewJob.Key] of a pull request's jobs, such as
// "owner/repo#12". [Store.Prune] keeps the records of a pull request while
// a job with this key is queued or running.
func PullRequestKey(repo string, pr int) string {
	return repo + "#" + strconv.Itoa(pr)
}

// NewJob is a job to enqueue.
type NewJob struct {
	Kind Kind
	// Key groups the jobs that supersede one another, such as
	// [PullRequestKey] for a pull request's.
	Key     string
	Payload json.RawMessage // JSON, or empty
	// RunAfter delays the job; the zero time means now.
	RunAfter time.Time
	// Supersedes, when set, marks the queued and running jobs of this kind
	// with the same key superseded in the transaction that adds this one:
	// a newer push makes a pull request's older plans stale, and closing
	// it makes them pointless. The caller cancels those running.
	Supersedes Kind
}

// Job is a job in the queue.
type Job struct {
	ID        int64
	Kind      Kind
	Key       string
	Payload   json.RawMessage // nil when the job was enqueued without one
	State     JobState
	Attempts  int       // times claimed
	RunAfter  time.Time // not claimed before this time
	CreatedAt time.Time
	UpdatedAt time.Time
	Worker    string // the worker that claimed it last
	// LeaseUntil is when a running job's lease ends (see
	// [Store.RenewLeases]); zero for a job that never ran.
	LeaseUntil time.Time
	LastError  string
}

// JobFilter selects jobs for ListJobs. Zero fields select everything.
type JobFilter struct {
	Key    string
	States []JobState
	Limit  int
}

// RunState is the outcome of a run.
type RunState string

// Run states.
const (
	RunPlanned   RunState = "planned"
	RunNoChanges RunState = "no_changes"
	RunFailed    RunState = "failed"
	RunSkipped   RunState = "skipped"
	// RunBlocked units were not planned: a policy checked before the plan
	// denied them.
	RunBlocked RunState = "blocked"
	// RunApplying is recorded before a unit's apply starts, so that a
	// run found applying after a restart is known to have been cut short.
	RunApplying    RunState = "applying"
	RunApplied     RunState = "applied"
	RunApplyFailed RunState = "apply_failed"
	// RunInterrupted units were applying when csocbot stopped: what the
	// apply changed is unknown, and it is not run again automatically.
	RunInterrupted RunState = "interrupted"
)

// Run is the plan, and perhaps the apply, of one unit at one pull request
// head.
type Run struct {
	ID         int64
	Repo       string // owner/name
	PR         int
	HeadSHA    string
	Unit       string // the unit's path in the repository
	State      RunState
	PlanPath   string // the saved plan file
	PlanSHA256 string // of the plan file, checked before applying it
	Summary    json.RawMessage
	// Policy is the unit's policy results (JSON), nil when no policy set
	// was checked.
	Policy json.RawMessage
	// MockedFrom are the dependencies whose mock outputs stood in for
	// state in the plan: such a plan must not be applied.
	MockedFrom []string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// PolicyApproval is a policy set owner's approval of a pull request head
// despite the set failing there: enough of them override the failure.
type PolicyApproval struct {
	ID       int64
	Repo     string // owner/name
	PR       int
	HeadSHA  string
	Set      string // the policy set's name
	Approver string // GitHub login
	// CommentID is the approve_policies comment that gave the approval.
	CommentID int64
	CreatedAt time.Time // set by the store
}

// CommentKind says what a comment was about.
type CommentKind string

// Comment kinds.
const (
	CommentPlan  CommentKind = "plan"
	CommentHelp  CommentKind = "help"
	CommentError CommentKind = "error"
)

// Comment is a pull request comment csocbot posted.
type Comment struct {
	Repo      string
	PR        int
	CommentID int64 // GitHub's id
	Kind      CommentKind
	HeadSHA   string    // the head the comment was about
	CreatedAt time.Time // set by the store
}

// Lock is a unit's lock: the pull request holding it is the only one that
// plans and applies the unit until it releases it (merged, closed,
// unlocked). There is one lock per repository, unit and workspace.
type Lock struct {
	Repo      string    `json:"repo"`      // owner/name
	Unit      string    `json:"unit"`      // the unit's path in the repository
	Workspace string    `json:"workspace"` // "" for the default workspace
	PR        int       `json:"pr"`
	HeadSHA   string    `json:"head_sha"` // the head that last planned the unit
	Holder    string    `json:"holder"`   // the GitHub login whose plan took the lock
	Acquired  time.Time `json:"acquired"` // set by the store when the pull request took it
}

// PlanFile is the saved plan of a unit at a pull request head, sealed by
// the caller (store/seal): the store never sees a plan in plaintext.
type PlanFile struct {
	Repo    string // owner/name
	PR      int
	HeadSHA string
	// BaseSHA is the base branch's commit the plan was made against (with
	// the merge checkout strategy, the head merged into it); an apply
	// refuses the plan once the base has moved.
	BaseSHA string
	Unit    string
	// SHA256 is the hex sha256 of the plaintext plan file, recorded at
	// plan time and checked before the apply.
	SHA256 string
	Plan   []byte // the sealed plan file
	// LockFile is the sealed .terraform.lock.hcl, nil when there is none.
	LockFile  []byte
	CreatedAt time.Time // set by the store
}
