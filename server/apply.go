package server

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/server/workflow"
	"github.com/csocbot/csocbot/store"
)

// applyJob is the payload of an apply job: one `apply` command.
type applyJob struct {
	Repo    string   `json:"repo"`
	PR      int      `json:"pr"`
	HeadSHA string   `json:"head_sha"`
	BaseRef string   `json:"base_ref"`
	Units   []string `json:"units,omitempty"`
	Dirs    []string `json:"dirs,omitempty"`
	Actor   string   `json:"actor"`
	// AfterMerge is an apply of a merged pull request (apply_mode:
	// after_merge), which then releases it as closing does.
	AfterMerge bool `json:"after_merge,omitempty"`
}

// queueApply queues an apply. It is not superseded by a newer plan or
// command: an apply that started must finish or be recorded interrupted.
func (s *Server) queueApply(ctx context.Context, a applyJob) error {
	job, err := newJob(store.KindApply, prKey(a.Repo, a.PR), a)
	if err != nil {
		return err
	}
	if _, err := s.store.Enqueue(ctx, job); err != nil {
		return err
	}
	s.wake()
	return nil
}

// runApply brings the repository up to date and runs the apply workflow,
// which checks everything the configuration requires and reports.
func (s *Server) runApply(ctx context.Context, job store.Job) error {
	var a applyJob
	if err := json.Unmarshal(job.Payload, &a); err != nil {
		return fmt.Errorf("decode apply job: %w", err)
	}
	// The store never lets two applies of a pull request run at once,
	// in this process or another (see store.Store.Claim): two apply
	// comments given together would otherwise both find its plans
	// unapplied and apply them twice.
	root := filepath.Join(s.cfg.DataDir, "checkouts", filepath.FromSlash(a.Repo))
	var g *gitrepo.Repo
	defer func() {
		if g != nil {
			g.Close()
		}
	}()
	fetch := func(ctx context.Context) (workflow.ApplySource, error) {
		baseSHA, err := s.repos.Fetch(ctx, a.Repo, s.cfg.GitHub.CloneURL(a.Repo), a.BaseRef, []int{a.PR})
		if err != nil {
			return workflow.ApplySource{}, fmt.Errorf("fetch %s: %w", a.Repo, err)
		}
		if g, err = s.repos.Open(a.Repo); err != nil {
			return workflow.ApplySource{}, err
		}
		return workflow.ApplySource{Repo: g, Detector: s.detector(a.Repo, g, root), Base: baseSHA}, nil
	}
	out, err := s.apply.Run(ctx, workflow.ApplyRequest{
		Change:     workflow.Change{Repo: a.Repo, PR: a.PR, HeadSHA: a.HeadSHA, BaseRef: a.BaseRef, Job: job.ID},
		Actor:      a.Actor,
		Fetch:      fetch,
		Head:       a.HeadSHA,
		Root:       root,
		Key:        workPrefix(a.Repo, a.PR) + "apply-" + a.HeadSHA,
		Units:      a.Units,
		Dirs:       a.Dirs,
		AfterMerge: a.AfterMerge,
		Fence:      s.fenceOf(job.ID),
	})
	if err != nil {
		return err
	}
	return s.afterApply(ctx, a, out)
}

// unlock releases the locks a pull request holds, those of units or all,
// and says which.
func (s *Server) unlock(ctx context.Context, c commentJob, units []string) (string, error) {
	released, err := s.store.Unlock(ctx, c.Repo, c.PR, units...)
	if err != nil {
		return "", err
	}
	for _, l := range released {
		s.audit(ctx, store.AuditEntry{Actor: c.Author, Action: "unlock", Repo: c.Repo, PR: c.PR, HeadSHA: l.HeadSHA, Unit: l.Unit, Outcome: "ok"})
	}
	if len(released) == 0 {
		return "This pull request holds no lock to release.", nil
	}
	msg := "Released the locks of"
	for i, l := range released {
		if i > 0 {
			msg += ","
		}
		msg += " " + code(l.Unit)
	}
	return msg + ". Other pull requests can plan them now; plan here again to take them back.", nil
}

// releasePullRequest releases a closed or merged pull request's locks and
// deletes its plan files, which nobody may apply any more.
func (s *Server) releasePullRequest(ctx context.Context, c closedJob) error {
	released, err := s.store.Unlock(ctx, c.Repo, c.PR)
	if err != nil {
		return err
	}
	for _, l := range released {
		s.audit(ctx, store.AuditEntry{Actor: "csocbot", Action: "unlock", Repo: c.Repo, PR: c.PR, HeadSHA: l.HeadSHA, Unit: l.Unit, Outcome: "ok", Detail: "pull request closed"})
	}
	_, err = s.store.DeletePlanFiles(ctx, c.Repo, c.PR, "")
	return err
}

// audit appends to the audit log; a failure is logged loudly.
func (s *Server) audit(ctx context.Context, e store.AuditEntry) {
	if _, err := s.store.AppendAudit(ctx, e); err != nil {
		s.log.Error("could not append to the audit log", "action", e.Action, "repo", e.Repo, "pr", e.PR, "error", err)
	}
}

// interruptApply records an apply a stopped process left running: its
// units that were applying are interrupted (never applied again by
// themselves), the audit log says so, their statuses and the apply's
// turn to error, and it returns what the reply should add: which units
// were being applied and what to check.
func (s *Server) interruptApply(ctx context.Context, job store.Job) string {
	var a applyJob
	if err := json.Unmarshal(job.Payload, &a); err != nil {
		return ""
	}
	runs, err := s.store.Runs(ctx, a.Repo, a.PR, a.HeadSHA)
	if err != nil {
		s.log.Error("could not read the runs of an interrupted apply", "job", job.ID, "error", err)
		return ""
	}
	repo, repoErr := vcs.ParseRepo(a.Repo)
	var interrupted []string
	for _, r := range runs {
		if r.State != store.RunApplying {
			continue
		}
		r.State = store.RunInterrupted
		if _, err := s.store.UpsertRun(ctx, r); err != nil {
			s.log.Error("could not record an interrupted apply", "unit", r.Unit, "error", err)
		}
		s.audit(ctx, store.AuditEntry{Actor: "csocbot", Action: "interrupted", Repo: a.Repo, PR: a.PR, HeadSHA: a.HeadSHA, Unit: r.Unit,
			PlanSHA256: r.PlanSHA256, Outcome: "interrupted", Detail: fmt.Sprintf("job %d stopped with the process", job.ID)})
		if repoErr == nil {
			s.status(ctx, job.ID, repo, a.HeadSHA, vcs.ApplyUnitContext(r.Unit), vcs.StatusError, "Interrupted: check the state, then plan again")
		}
		interrupted = append(interrupted, code(r.Unit))
	}
	if len(interrupted) == 0 {
		// It stopped before any unit started, or after every one ended
		// (and their statuses were set).
		return ""
	}
	// The apply's own status was left pending.
	if repoErr == nil {
		s.status(ctx, job.ID, repo, a.HeadSHA, vcs.ApplyContext, vcs.StatusError, fmt.Sprintf("Interrupted while applying %d unit(s): check the state", len(interrupted)))
	}
	what := "it may be partly applied, and its lock stays held"
	if len(interrupted) > 1 {
		what = "they may be partly applied, and their locks stay held"
	}
	return fmt.Sprintf(" It was applying %s at `%.7s` when it stopped: %s. Check the state (`terraform plan` shows what is left), then plan again and apply the new plan.",
		strings.Join(interrupted, ", "), a.HeadSHA, what)
}
