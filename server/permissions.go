package server

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/server/command"
)

// PermissionReader reads a person's permission on a repository, as
// GitHub's collaborator-permission API answers it. notify/github's
// *APIClient is one.
type PermissionReader interface {
	CollaboratorPermission(ctx context.Context, repo vcs.Repo, user string) (vcs.Permission, error)
}

const (
	// permissionTTL is how long a commenter's permission is trusted
	// without asking GitHub again: long enough that a busy pull request
	// costs one call a minute per person, short enough that revoked
	// access stops working soon.
	permissionTTL  = time.Minute
	permissionMemo = 4096
	// refusalTTL spaces the refusals one commenter gets on one pull
	// request. They are remembered in memory: after a restart someone
	// may get one more, a small price for keeping the store's schema free
	// of throwaway state, and a crash loop interrupts comment jobs rather
	// than repeating them.
	refusalTTL  = time.Hour
	refusalMemo = 10000
)

// requiredPermission is what the configuration asks of whoever comments
// a command. approve_policies asks nothing of the repository: the policy
// sets' owners decide, in approvePolicies.
func (s *Server) requiredPermission(name command.Name) vcs.Permission {
	if name == command.ApprovePolicies {
		return vcs.PermissionNone
	}
	p, ok := vcs.ParsePermission(s.cfg.CommandPermissions[string(name)])
	if !ok {
		return vcs.PermissionWrite // the documented default
	}
	return p
}

// permissionOf returns login's permission on repo, asking GitHub at most
// once per permissionTTL.
func (s *Server) permissionOf(ctx context.Context, repo vcs.Repo, login string) (vcs.Permission, error) {
	key := strings.ToLower(repo.String() + "\x00" + login)
	if p, ok := s.permissionMemo.get(key); ok {
		return p, nil
	}
	p, err := s.permissions.CollaboratorPermission(ctx, repo, login)
	if err != nil {
		return vcs.PermissionNone, fmt.Errorf("check whether %s may run commands on %s (does the token have metadata:read?): %w", login, repo, err)
	}
	s.permissionMemo.put(key, p)
	return p, nil
}

// firstRefusal reports whether a comment's author has had no refusal on
// its pull request within refusalTTL, and remembers this one.
func (s *Server) firstRefusal(c commentJob) bool {
	return s.refusalMemo.add(strings.ToLower(fmt.Sprintf("%s#%d\x00%s", c.Repo, c.PR, c.Author)), struct{}{})
}

// commandGate decides which of a comment's commands its author may run.
// It reads the pull request and the author's permission only when a
// command needs them, and then once.
type commandGate struct {
	s    *Server
	c    commentJob
	repo vcs.Repo
	pr   *vcs.PullRequest
}

// sort splits cmds into those the comment's author may run and the
// reasons the others are refused.
func (g *commandGate) sort(ctx context.Context, cmds []command.Command) (allowed []command.Command, refusals []string, err error) {
	for _, cmd := range cmds {
		why, err := g.refusal(ctx, cmd.Name)
		if err != nil {
			return nil, nil, err
		}
		if why != "" {
			refusals = append(refusals, why)
			continue
		}
		allowed = append(allowed, cmd)
	}
	return allowed, refusals, nil
}

// refusal says why the comment's author may not run the command name, or
// returns "" when they may.
func (g *commandGate) refusal(ctx context.Context, name command.Name) (string, error) {
	said := code(g.s.cfg.CommandPrefix + " " + string(name))
	// The permission first: it is remembered, so someone repeating a
	// refused command costs no GitHub call at all.
	if why, err := g.lacksPermission(ctx, name, said); why != "" || err != nil {
		return why, err
	}
	if name == command.Help {
		return "", nil // help needs no pull request
	}
	pr, err := g.pullRequest(ctx)
	if err != nil {
		return "", err
	}
	if pr.State != "open" {
		return fmt.Sprintf("%s runs only on open pull requests, and #%d is %s.", said, g.c.PR, pr.State), nil
	}
	rc, _ := g.s.cfg.Repository(g.c.Repo)
	if runsPullRequestCode(name) && pr.Fork && !rc.AllowForkAutoplan {
		return fmt.Sprintf("%s does not run on pull requests from forks in %s: it would run the fork's code with this repository's cloud credentials. An operator can allow it with `allow_fork_autoplan: true` in csocbot's configuration.", said, g.repo), nil
	}
	return "", nil
}

// lacksPermission says why the comment's author lacks the permission
// the command name needs, said as said, or returns "" when they have it.
// A command anyone may run costs no call.
func (g *commandGate) lacksPermission(ctx context.Context, name command.Name, said string) (string, error) {
	need := g.s.requiredPermission(name)
	if need == vcs.PermissionNone {
		return "", nil
	}
	have, err := g.s.permissionOf(ctx, g.repo, g.c.Author)
	if err != nil {
		return "", err
	}
	if have < need {
		return fmt.Sprintf("%s needs %s access to %s; you have %s.", said, need, g.repo, have), nil
	}
	return "", nil
}

// runsPullRequestCode reports whether a command runs the pull request's
// code, which a fork's author controls.
func runsPullRequestCode(name command.Name) bool {
	return name == command.Plan || name == command.Apply
}

// pullRequest reads the comment's pull request once.
func (g *commandGate) pullRequest(ctx context.Context) (*vcs.PullRequest, error) {
	if g.pr != nil {
		return g.pr, nil
	}
	pr, err := g.s.gh.PullRequest(ctx, g.repo, g.c.PR)
	if err != nil {
		return nil, fmt.Errorf("read pull request %s#%d: %w", g.repo, g.c.PR, err)
	}
	g.pr = pr
	return pr, nil
}
