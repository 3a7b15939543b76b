package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/server/workflow"
	"github.com/csocbot/csocbot/store"
)

// runPlan brings the repository up to date, works out the revisions to
// compare, and runs the plan workflow on them, which reports on the pull
// request.
func (s *Server) runPlan(ctx context.Context, job store.Job) error {
	var p planJob
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return fmt.Errorf("decode plan job: %w", err)
	}
	repo, err := vcs.ParseRepo(p.Repo)
	if err != nil {
		return err
	}
	rc, _ := s.cfg.Repository(p.Repo)
	gitops := rc.Kind == config.KindGitOps
	if gitops {
		s.status(ctx, job.ID, repo, p.HeadSHA, vcs.ValuesContext, vcs.StatusPending, "Checking values…")
	} else {
		s.status(ctx, job.ID, repo, p.HeadSHA, vcs.PlanContext, vcs.StatusPending, "Planning…")
	}

	baseSHA, err := s.repos.Fetch(ctx, p.Repo, s.cfg.GitHub.CloneURL(p.Repo), p.BaseRef, []int{p.PR})
	if err != nil {
		return fmt.Errorf("fetch %s: %w", p.Repo, err)
	}
	g, err := s.repos.Open(p.Repo)
	if err != nil {
		return err
	}
	defer g.Close()
	from, rev, conflicts, err := s.planRevisions(ctx, g, p, baseSHA)
	if err != nil {
		return err
	}
	if len(conflicts) > 0 {
		paths := make([]string, len(conflicts))
		for i, c := range conflicts {
			paths[i] = code(c)
		}
		msg := fmt.Sprintf("This pull request conflicts with %s in %s, so csocbot cannot plan what would land. Rebase or merge %s and push.",
			code(p.BaseRef), strings.Join(paths, ", "), code(p.BaseRef))
		statusContext := vcs.PlanContext
		if gitops {
			statusContext = vcs.ValuesContext
		}
		s.status(ctx, job.ID, repo, p.HeadSHA, statusContext, vcs.StatusFailure, "Conflicts with "+p.BaseRef)
		return s.reply(ctx, repo, p.PR, msg)
	}
	if gitops {
		_, err := s.values.Run(ctx, workflow.ValuesRequest{
			Change: workflow.Change{Repo: p.Repo, PR: p.PR, HeadSHA: p.HeadSHA, BaseRef: p.BaseRef, Job: job.ID},
			Repo:   g,
			Base:   from,
			Head:   rev,
			IsSelf: s.isRepository(p.Repo),
			Actor:  p.Trigger,
		})
		return err
	}
	// The native engine reads the revision from git and needs no checkout;
	// the terragrunt engine runs terragrunt in one.
	root := filepath.Join(s.cfg.DataDir, "checkouts", filepath.FromSlash(p.Repo))
	if s.cfg.Terraform.Engine == config.EngineTerragrunt {
		root = filepath.Join(root, rev)
		if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
			if err := s.repos.Checkout(ctx, p.Repo, rev, root); err != nil {
				return fmt.Errorf("check out %s for the terragrunt engine: %w", short(rev), err)
			}
		} else if err := touch(root); err != nil {
			s.log.Warn("could not mark a checkout as used; the clean-up may remove it early", "dir", root, "error", err)
		}
	}
	_, err = s.plan.Run(ctx, workflow.PlanRequest{
		Change:   workflow.Change{Repo: p.Repo, PR: p.PR, HeadSHA: p.HeadSHA, BaseRef: p.BaseRef, Job: job.ID},
		Repo:     g,
		Detector: s.detector(p.Repo, g, root),
		Base:     from,
		Head:     rev,
		Root:     root,
		Key:      workPrefix(p.Repo, p.PR) + p.HeadSHA,
		Units:    p.Units,
		Dirs:     p.Dirs,
		Actor:    p.Trigger,
		BaseSHA:  baseSHA,
	})
	return err
}

// planRevisions returns what to diff and what to plan: the pull request
// head against its merge base with the base branch, or, with the merge
// checkout strategy, the head merged into the base branch as it is now,
// against the base branch, so the plan shows what will land.
//
// g, opened after the fetch, reads the merge commit too: git writes it as
// loose objects, which a Repo reads on demand.
func (s *Server) planRevisions(ctx context.Context, g *gitrepo.Repo, p planJob, baseSHA string) (from, rev string, conflicts []string, err error) {
	if s.cfg.CheckoutStrategy == config.CheckoutMerge {
		merged, conflicts, err := s.repos.MergeCommit(ctx, p.Repo, p.PR, baseSHA, p.HeadSHA)
		if err != nil || len(conflicts) > 0 {
			return "", "", conflicts, err
		}
		return baseSHA, merged, nil, nil
	}
	mb, err := g.MergeBase(baseSHA, p.HeadSHA)
	return mb, p.HeadSHA, nil, err
}

// isRepository returns whether an Application's repoURL names repo on the
// configured GitHub: its `ref: values` source is then the repository
// being checked, read at the pull request's revision.
func (s *Server) isRepository(repo string) func(repoURL string) bool {
	return func(repoURL string) bool {
		u, err := url.Parse(repoURL)
		if err != nil || !strings.EqualFold(u.Host, s.cfg.GitHub.Host()) {
			return false
		}
		name := strings.TrimSuffix(strings.Trim(u.Path, "/"), ".git")
		return strings.EqualFold(name, repo)
	}
}

// status sets a commit status linking to job (none when 0); a failure is
// logged, not fatal: the comment carries the same information.
func (s *Server) status(ctx context.Context, job int64, repo vcs.Repo, sha, context string, state vcs.StatusState, desc string) {
	st := vcs.Status{Context: context, State: state, Description: desc}
	if s.cfg.PublicURL != "" && job > 0 {
		st.TargetURL = fmt.Sprintf("%s/jobs/%d", s.cfg.PublicURL, job)
	}
	if err := s.gh.SetStatus(ctx, repo, sha, st); err != nil {
		s.log.Warn("could not set a commit status", "context", context, "error", err)
	}
}

// reply posts a comment csocbot writes itself.
func (s *Server) reply(ctx context.Context, repo vcs.Repo, pr int, body string) error {
	posted, err := s.gh.CreateComment(ctx, repo, pr, body)
	if err != nil {
		return fmt.Errorf("comment on %s#%d: %w", repo, pr, err)
	}
	return s.store.RecordComment(ctx, store.Comment{Repo: repo.String(), PR: pr, CommentID: posted.ID, Kind: store.CommentHelp})
}

func short(sha string) string { return sha[:min(7, len(sha))] }

// code formats text from a pull request as inline code.
func code(s string) string { return "`" + strings.ReplaceAll(s, "`", "'") + "`" }
