package workflow

import (
	"context"
	"errors"
	"log/slog"

	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/server/credentials"
	"github.com/csocbot/csocbot/store"
)

// Change is what a workflow works on: a pull request's head, or for
// preview a pair of revisions in a local repository.
type Change struct {
	// Repo is the repository, owner/name; "" for a local one.
	Repo string
	// PR is the pull request's number; 0 for none.
	PR int
	// HeadSHA is the commit reviewers see: the pull request's head.
	HeadSHA string
	// HeadRef and BaseRef name the branches (or revisions) compared.
	HeadRef, BaseRef string
	// Job is the job running the workflow, for links; 0 for none.
	Job int64
}

// jobLogger is l naming c's job, repository and pull request on every
// line, so that a run's lines can be told apart from the other jobs'
// running at the same time; what c leaves unset is left out (preview has
// no job). A nil l discards.
func jobLogger(l *slog.Logger, c Change) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	var attrs []any
	if c.Job != 0 {
		attrs = append(attrs, "job", c.Job)
	}
	if c.Repo != "" {
		attrs = append(attrs, "repo", c.Repo)
	}
	if c.PR != 0 {
		attrs = append(attrs, "pr", c.PR)
	}
	return l.With(attrs...)
}

// engineLogger is the logger a run gives the engine: the run's (jobLog)
// when the workflow was given a logger (configured), else nil, so that
// the engine keeps its own.
func engineLogger(configured, jobLog *slog.Logger) *slog.Logger {
	if configured == nil {
		return nil
	}
	return jobLog
}

// Reporter publishes what a workflow has to say about a change. GitHub's
// comments and commit statuses are one; standard output is preview's.
// A workflow gives every report to each of its reporters.
type Reporter interface {
	// Report publishes r: first its comment, if any, then its statuses,
	// in order. An error means the comment was not published; a status
	// that could not be set is the reporter's to log.
	Report(ctx context.Context, r Report) error
}

// Report is one thing a workflow tells its reporters.
type Report struct {
	Change Change
	// Comment is set when the report has something for the reader.
	Comment *Comment
	// Statuses are the states to set, in order.
	Statuses []Status
	// Plan is the outcome of a finished plan, for reporters that show
	// more than its comment (preview's JSON).
	Plan *PlanOutcome
	// Values is the outcome of a gitops check, likewise.
	Values *ValuesOutcome
	// Apply is an apply starting or finished, likewise.
	Apply *ApplyReport
}

// ApplyReport is what the reports of an apply say of it beside their
// comment and statuses, for reporters such as chat.
type ApplyReport struct {
	// Actor is who asked for the apply.
	Actor string
	// Units are the units being applied, in order.
	Units []string
	// Roles are the cloud roles each unit's apply used, by unit.
	Roles map[string]string
	// Run is the finished apply; nil when it is starting.
	Run *engine.Run
}

// Comment is Markdown for the pull request's conversation.
type Comment struct {
	Markdown string
	// Plan marks a plan's result, which supersedes the earlier ones (on
	// GitHub, csocbot hides them); otherwise it is a reply.
	Plan bool
}

// StatusKind says what a status is of.
type StatusKind int

// The status kinds: the plan as a whole, one unit's plan, the policy
// checks of the head, and the same for apply.
const (
	PlanStatus StatusKind = iota
	UnitStatus
	PolicyStatus
	// ApplyStatus and ApplyUnitStatus are the apply as a whole and one
	// unit's apply.
	ApplyStatus
	ApplyUnitStatus
	// ValuesStatus is the check of a gitops repository's change.
	ValuesStatus
)

// State is the state of a status; the values are GitHub's commit status
// states.
type State string

// The states.
const (
	Pending State = "pending"
	Success State = "success"
	Failure State = "failure"
	Error   State = "error"
)

// Status is the state of one check of a change's head.
type Status struct {
	Kind StatusKind
	// Unit is the unit's path, for a UnitStatus.
	Unit        string
	State       State
	Description string
}

// PullRequests are the pull request reads a workflow needs.
type PullRequests interface {
	// PullRequest returns a pull request's author, labels and branches.
	PullRequest(ctx context.Context, repo string, number int) (PullRequest, error)
	// Approvals returns the approving reviews of a pull request, with the
	// commit each approved.
	Approvals(ctx context.Context, repo string, number int) ([]Approval, error)
	TeamMembership
}

// TeamMembership answers whether a user belongs to a team.
type TeamMembership interface {
	// IsTeamMember reports whether user is an active member of the team
	// slug of org.
	IsTeamMember(ctx context.Context, org, slug, user string) (bool, error)
}

// PullRequest is what the policy input shows of a pull request.
type PullRequest struct {
	Author           string
	Labels           []string
	BaseRef, BaseSHA string
	HeadRef, HeadSHA string
	// Open is false once the pull request is closed or merged.
	Open bool
	// Merged is true once it is merged, MergeCommitSHA then the commit
	// that merged it (the squash, merge or last rebased commit).
	Merged         bool
	MergeCommitSHA string
	// Mergeable is GitHub's verdict; nil while it has none yet.
	Mergeable *bool
}

// Approval is an approving review: who, at which commit.
type Approval struct {
	Reviewer, CommitID string
}

// RunStore is the slice of the store the plan workflow uses.
type RunStore interface {
	// UpsertRun records a unit's run at a head.
	UpsertRun(ctx context.Context, run store.Run) (store.Run, error)
	ApprovalReader
}

// ApprovalReader reads the policy approvals given at a pull request head.
type ApprovalReader interface {
	PolicyApprovals(ctx context.Context, repo string, pr int, headSHA string) ([]store.PolicyApproval, error)
}

// report gives r to every reporter, each once, and returns their errors.
func report(ctx context.Context, reporters []Reporter, r Report) error {
	var errs []error
	for _, rep := range reporters {
		if err := rep.Report(ctx, r); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Locker takes and releases units' locks: a unit a pull request planned
// is its own until it is merged, closed or unlocked.
type Locker interface {
	// TryLock takes l for l.PR, or returns the pull request holding it.
	TryLock(ctx context.Context, l store.Lock) (store.Lock, bool, error)
	// Unlock releases the locks pr holds; no units means all of them.
	Unlock(ctx context.Context, repo string, pr int, units ...string) ([]store.Lock, error)
}

// PlanFiles keeps the sealed plan files reviewers saw, for the apply.
type PlanFiles interface {
	SavePlanFile(ctx context.Context, f store.PlanFile) error
	PlanFile(ctx context.Context, repo string, pr int, unit, headSHA string) (store.PlanFile, error)
	DeletePlanFile(ctx context.Context, repo string, pr int, unit, headSHA string) error
}

// Sealer encrypts plan files for the store and decrypts them, binding each
// to its associated data (store/seal's Keyring).
type Sealer interface {
	SealBytes(plaintext, associatedData []byte) ([]byte, error)
	OpenBytes(sealed, associatedData []byte) ([]byte, error)
}

// Auditor appends to the tamper-evident audit log.
type Auditor interface {
	AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
}

// Minter mints a run's cloud credentials from a credential profile
// (server/credentials' Profiles); profile "" means none.
type Minter interface {
	Mint(ctx context.Context, profile string, req credentials.Request) (credentials.Credentials, error)
}
