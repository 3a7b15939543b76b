package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/planner/comment"
	"github.com/csocbot/csocbot/server/workflow"
	"github.com/csocbot/csocbot/store"
)

// planMarker marks csocbot's plan comments, so a newer plan can hide them.
const planMarker = "<!-- csocbot:plan -->"

// githubReporter reports a workflow's results on the pull request: its
// comments, and commit statuses linking to the job.
type githubReporter struct{ s *Server }

func (r githubReporter) Report(ctx context.Context, rep workflow.Report) error {
	c := rep.Change
	repo, err := vcs.ParseRepo(c.Repo)
	if err != nil {
		return err
	}
	if rep.Comment != nil {
		if rep.Comment.Plan {
			err = r.s.postPlan(ctx, repo, c, rep.Comment.Markdown)
		} else {
			err = r.s.reply(ctx, repo, c.PR, rep.Comment.Markdown)
		}
		if err != nil {
			return err
		}
	}
	for _, st := range rep.Statuses {
		context := vcs.PlanContext
		switch st.Kind {
		case workflow.UnitStatus:
			context = vcs.UnitContext(st.Unit)
		case workflow.PolicyStatus:
			context = vcs.PolicyContext
		case workflow.ApplyStatus:
			context = vcs.ApplyContext
		case workflow.ApplyUnitStatus:
			context = vcs.ApplyUnitContext(st.Unit)
		case workflow.ValuesStatus:
			context = vcs.ValuesContext
		}
		r.s.status(ctx, c.Job, repo, c.HeadSHA, context, vcs.StatusState(st.State), st.Description)
	}
	return nil
}

// postPlan hides csocbot's earlier plan comments and posts this plan, in
// as many parts as GitHub's size limit needs.
func (s *Server) postPlan(ctx context.Context, repo vcs.Repo, c workflow.Change, md string) error {
	existing, err := s.gh.ListComments(ctx, repo, c.PR)
	if err != nil {
		return fmt.Errorf("list comments: %w", err)
	}
	for _, old := range vcs.Marked(existing, planMarker) {
		if err := s.gh.MinimizeComment(ctx, old.NodeID, vcs.MinimizeOutdated); err != nil {
			s.log.Warn("could not hide an earlier plan comment", "comment", old.ID, "error", err)
		}
	}
	for _, part := range comment.Split(md, vcs.MaxCreateLength-len(planMarker)-1) {
		posted, err := s.gh.CreateComment(ctx, repo, c.PR, part+"\n"+planMarker)
		if err != nil {
			return fmt.Errorf("post the plan comment: %w", err)
		}
		if err := s.store.RecordComment(ctx, store.Comment{Repo: c.Repo, PR: c.PR, CommentID: posted.ID, Kind: store.CommentPlan, HeadSHA: c.HeadSHA}); err != nil {
			return err
		}
	}
	return nil
}

// pullRequests are the pull request reads of the workflows, from GitHub.
type pullRequests struct{ gh PullRequestReader }

func (p pullRequests) PullRequest(ctx context.Context, repo string, number int) (workflow.PullRequest, error) {
	r, err := vcs.ParseRepo(repo)
	if err != nil {
		return workflow.PullRequest{}, err
	}
	pr, err := p.gh.PullRequest(ctx, r, number)
	if err != nil {
		return workflow.PullRequest{}, err
	}
	return workflow.PullRequest{
		Author: pr.Author, Labels: pr.Labels, BaseRef: pr.Base.Ref, BaseSHA: pr.Base.SHA, HeadRef: pr.Head.Ref, HeadSHA: pr.Head.SHA,
		Open: pr.State == "open" && !pr.Merged, Mergeable: mergeable(pr.MergeableState),
		Merged: pr.Merged, MergeCommitSHA: pr.MergeCommitSHA,
	}, nil
}

// mergeable reads GitHub's mergeable_state: clean, unstable (a check
// failed that is not required) and has_hooks can be merged; unknown means
// GitHub is still working it out.
func mergeable(state string) *bool {
	var ok bool
	switch state {
	case "", "unknown":
		return nil
	case "clean", "unstable", "has_hooks":
		ok = true
	}
	return &ok
}

func (p pullRequests) Approvals(ctx context.Context, repo string, number int) ([]workflow.Approval, error) {
	r, err := vcs.ParseRepo(repo)
	if err != nil {
		return nil, err
	}
	reviews, err := p.gh.Reviews(ctx, r, number)
	if err != nil {
		return nil, err
	}
	// A reviewer's latest review is their verdict: an approval followed
	// by a request for changes is no approval. Comments change nothing.
	latest := map[string]vcs.Review{}
	var order []string
	for _, rv := range reviews {
		if rv.State == vcs.ReviewCommented || rv.State == vcs.ReviewPending {
			continue
		}
		key := strings.ToLower(rv.Reviewer)
		if _, seen := latest[key]; !seen {
			order = append(order, key)
		}
		latest[key] = rv
	}
	var out []workflow.Approval
	for _, key := range order {
		if rv := latest[key]; rv.State == vcs.ReviewApproved {
			out = append(out, workflow.Approval{Reviewer: rv.Reviewer, CommitID: rv.CommitID})
		}
	}
	return out, nil
}

func (p pullRequests) IsTeamMember(ctx context.Context, org, slug, user string) (bool, error) {
	return p.gh.IsTeamMember(ctx, org, slug, user)
}
