package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/planner/gitops"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/helmrender"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/workflow"
)

// repoKind decides what preview does with a repository: kind as given,
// or for "auto" gitops when the head has an Argo CD Application and no
// Terragrunt or Terraform file, infra otherwise.
func repoKind(ctx context.Context, kind string, head fs.FS) (config.RepoKind, error) {
	switch kind {
	case "infra":
		return config.KindInfra, nil
	case "gitops":
		return config.KindGitOps, nil
	case "auto":
	default:
		return "", fmt.Errorf("--kind must be auto, infra or gitops, not %q", kind)
	}
	infra := false
	err := fs.WalkDir(head, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != ".":
			return fs.SkipDir
		case !d.IsDir() && (d.Name() == "terragrunt.hcl" || strings.HasSuffix(d.Name(), ".tf")):
			infra = true
			return fs.SkipAll
		}
		return nil
	})
	if err != nil || infra {
		return config.KindInfra, err
	}
	apps, _, err := gitops.Discover(ctx, head, gitops.Options{})
	if err != nil || len(apps) == 0 {
		return config.KindInfra, err
	}
	return config.KindGitOps, nil
}

// valuesPreview is what preview needs to check a gitops repository.
type valuesPreview struct {
	repo         *gitrepo.Repo
	base, head   string
	headSHA      string
	policies     *policy.Engine
	environments []config.Environment
	charts       map[string]string // chart repository URL -> local folder
	chartHosts   []string
	cacheDir     string
	asJSON       bool
	logger       *slog.Logger
}

// run runs the server's values workflow on the change and prints its
// comment; it fails (exit 1) when the server's status would.
func (p valuesPreview) run(ctx context.Context, stdout io.Writer) error {
	hosts := append([]string{"github.com"}, p.chartHosts...)
	for u := range p.charts {
		if parsed, err := url.Parse(u); err == nil && parsed.Host != "" {
			hosts = append(hosts, strings.ToLower(parsed.Host))
		}
	}
	cfg := &config.Config{Environments: p.environments, CommandPrefix: config.DefaultCommandPrefix}
	remote := newChartMirrors(filepath.Join(p.cacheDir, "charts"), config.GitHub{WebURL: "https://github.com/"}, nil, p.logger)
	v := &workflow.Values{
		Config:   cfg,
		Policies: p.policies,
		Charts: &helmrender.Renderer{
			Git:        localCharts{dirs: p.charts, remote: remote},
			AllowHosts: hosts,
			Logger:     p.logger,
		},
		Reporters: []workflow.Reporter{stdoutReporter{w: stdout, json: p.asJSON}},
		Logger:    p.logger,
	}
	out, err := v.Run(ctx, workflow.ValuesRequest{
		Change: workflow.Change{HeadSHA: p.headSHA, HeadRef: p.head, BaseRef: p.base},
		Repo:   p.repo,
		Base:   p.base,
		Head:   p.head,
	})
	if err != nil {
		return err
	}
	var sets []policy.Set
	if p.policies != nil {
		sets = p.policies.Sets()
	}
	if out.Failed(sets) {
		return exitError{code: 1}
	}
	return nil
}

// localCharts serves chart repositories from local folders (--chart-repo),
// and fetches the others.
type localCharts struct {
	dirs   map[string]string
	remote helmrender.GitFetcher
}

func (l localCharts) FetchGit(ctx context.Context, repoURL, revision string) (fs.FS, string, error) {
	dir, ok := l.dirs[normalRepoURL(repoURL)]
	if !ok {
		return l.remote.FetchGit(ctx, repoURL, revision)
	}
	if !isRepository(dir) {
		// A plain folder: its files, whatever the revision.
		return os.DirFS(dir), "local", nil
	}
	repo, err := gitrepo.Open(dir)
	if err != nil {
		return nil, "", fmt.Errorf("chart repository %s (--chart-repo %s): %w", repoURL, dir, err)
	}
	h, err := repo.ResolveCommit(revision)
	if err != nil {
		if h, err = repo.ResolveCommit("origin/" + revision); err != nil {
			return nil, "", fmt.Errorf("chart repository %s (--chart-repo %s): %w", repoURL, dir, err)
		}
	}
	snap, err := repo.Snapshot(ctx, h.String())
	if err != nil {
		return nil, "", err
	}
	// preview ends soon after; the repository stays open until then.
	return snap, h.String(), nil
}

// normalRepoURL is a repository URL as --chart-repo keys are compared:
// lower case, without .git or a trailing slash.
func normalRepoURL(u string) string {
	return strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(u), "/"), ".git")
}

// chartRepoFlag is --chart-repo URL=DIR, repeatable.
type chartRepoFlag map[string]string

func (f chartRepoFlag) String() string { return "" }

func (f chartRepoFlag) Set(s string) error {
	u, dir, ok := strings.Cut(s, "=")
	if !ok || u == "" || dir == "" {
		return fmt.Errorf("want URL=DIR, like https://github.com/uc-cdis/gen3-helm=../gen3-helm; got %q", s)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := requireFolder(abs); err != nil {
		return err
	}
	f[normalRepoURL(u)] = abs
	return nil
}

// isRepository reports whether dir is the top of a git work tree or a
// bare repository, not merely a folder inside one.
func isRepository(dir string) bool {
	for _, name := range []string{".git", "HEAD"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}
