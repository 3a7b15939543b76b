package server

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/helmrender"
	"github.com/csocbot/csocbot/planner/tfrun"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/repocache"
	"github.com/csocbot/csocbot/store/sqlite"
)

// A test Application of the gen3-gitops shape: the gen3 chart from the
// chart repository, the values from this repository.
const testApp = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: gen3-testcommons
  namespace: argocd
spec:
  project: default
  sources:
    - path: helm/gen3
      repoURL: CHARTS
      targetRevision: master
      helm:
        releaseName: testcommons
        valueFiles:
          - $values/testcluster/test.example.org/values/values.yaml
    - repoURL: SELF
      targetRevision: master
      ref: values
  destination:
    server: "https://kubernetes.default.svc"
    namespace: testcommons
`

// gitopsE2E is a server watching a gitops repository (the gen3-gitops
// corpus and one more Application) whose chart repository (the Gen3
// charts) is served beside it by git http-backend.
type gitopsE2E struct {
	*e2e
}

func newGitOpsE2E(t *testing.T, edit func(src *gittest.Repo)) *gitopsE2E {
	t.Helper()
	gitRoot := t.TempDir()
	git := gitServer(t, gitRoot)

	charts := gittest.New(t, filepath.Join("..", "testdata", "gen3-helm"))
	charts.Git("checkout", "-q", "-b", "master")
	charts.CommitAll("charts")
	src := gittest.New(t, filepath.Join("..", "testdata", "gen3-gitops"))
	app := strings.NewReplacer("CHARTS", git.URL+"/uc-cdis/gen3-helm", "SELF", git.URL+"/Codertocat/Hello-World.git").Replace(testApp)
	src.Write("testcluster/test.example.org/app.yaml", app)
	values, err := os.ReadFile(filepath.Join("..", "testdata", "gen3-helm", "values", "diseasedatahub.org.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	src.Write("testcluster/test.example.org/values/values.yaml", string(values))
	src.CommitAll("base")
	src.Git("checkout", "-q", "-b", "change")
	edit(src)
	head := src.CommitAll("change values")
	src.Git("checkout", "-q", "main")
	src.Git("update-ref", "refs/pull/2/head", head)
	for dir, repo := range map[string]*gittest.Repo{"Codertocat/Hello-World.git": src, "uc-cdis/gen3-helm.git": charts} {
		os.MkdirAll(filepath.Join(gitRoot, filepath.Dir(dir)), 0o755)
		if err := os.Symlink(filepath.Join(repo.Dir, ".git"), filepath.Join(gitRoot, dir)); err != nil {
			t.Fatal(err)
		}
	}

	e := &e2e{t: t, src: src, git: git, gh: fakegithub.New(t), headSHA: head}
	e.gh.AddToken(gitToken, "csocbot-bot")
	e.repo, e.pr = e.gh.LoadPullRequest("pull_request/opened.payload.json")
	base := src.Git("rev-parse", "main")
	e.gh.EditPullRequest(e.repo, e.pr, func(pr map[string]any) {
		obj(pr, "head")["sha"] = head
		obj(pr, "base")["sha"] = base
		obj(pr, "base")["ref"] = "main"
	})
	cfg := testConfig(t, "workers: 1\nenvironments:\n  - {name: prod, paths: ['testcluster/**']}\n")
	cfg.Repositories[0].Kind = "gitops"
	cfg.GitHub.WebURL = git.URL + "/"
	cfg.GitOps.ChartHosts = []string{cfg.GitHub.Host()}
	e.st, err = sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "csocbot.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close() })
	gh, err := github.NewTokenClient(gitToken, github.Options{BaseURL: e.gh.URL() + "/"})
	if err != nil {
		t.Fatal(err)
	}
	policies, err := policy.Load(context.Background(), []policy.Set{{Name: "library", Dir: filepath.Join("..", "policy", "library")}})
	if err != nil {
		t.Fatal(err)
	}
	repos := repocache.New(t.TempDir(), gh.GitToken, slog.New(slog.DiscardHandler))
	chartMirror := repocache.New(t.TempDir(), gh.GitToken, slog.New(slog.DiscardHandler))
	renderer := &helmrender.Renderer{Git: mirrorFetcher{chartMirror, t.TempDir()}, AllowHosts: cfg.GitOps.ChartHosts}
	bin, err := tfrun.Find(context.Background(), tfrun.FindOptions{})
	if err != nil {
		t.Skipf("no terraform: %v", err)
	}
	eng, err := engine.New(engine.Options{Binary: bin, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	e.srv, err = New(Deps{Config: cfg, Store: e.st, GitHub: gh, Repos: RepoCache(repos), Engine: eng, BotLogin: "csocbot-bot", Policies: policies, Charts: renderer})
	if err != nil {
		t.Fatal(err)
	}
	return &gitopsE2E{e}
}

// TestEndToEndGitOpsValues sends a pull request that bumps one image tag
// and adds a plaintext password: the comment shows the changed setting,
// the changed Deployment and the denial, never the password; the
// csocbot/values status fails; after the merge, the pull request is told
// which application Argo CD syncs.
func TestEndToEndGitOpsValues(t *testing.T) {
	const secret = "Sup3r-s3cret-pw"
	e := newGitOpsE2E(t, func(src *gittest.Repo) {
		src.Replace("testcluster/test.example.org/values/values.yaml", "    repository: quay.io/cdis/peregrine\n    tag: '2026.04'", "    repository: quay.io/cdis/peregrine\n    tag: '2026.05'")
		src.Replace("testcluster/test.example.org/values/values.yaml", "    dbCreate: false\n", "    dbCreate: false\n    password: "+secret+"\n")
	})
	e.start()
	if code, resp := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "gitops-1", body: e.openedPayload()}); code != 202 || resp.Status != "queued" {
		t.Fatalf("webhook answered %d %+v", code, resp)
	}
	var body string
	e.waitFor("the values comment", func() bool {
		c := e.planComments()
		if len(c) > 0 {
			body = c[0].Body
		}
		return len(c) > 0
	})
	for _, want := range []string{"gen3-testcommons", "peregrine.image.tag", "`\"2026.04\"` → `\"2026.05\"`", "Deployment testcommons/peregrine-deployment", "values_plaintext_secrets"} {
		if !strings.Contains(body, want) {
			t.Errorf("the comment lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, secret) {
		t.Fatalf("the password is in the comment:\n%s", body)
	}
	var state string
	e.waitFor("the csocbot/values status", func() bool {
		for _, st := range e.gh.Statuses(e.repo, e.headSHA) {
			if st.Context == "csocbot/values" && st.State != "pending" {
				state = st.State
			}
		}
		return state != ""
	})
	if state != "failure" {
		t.Errorf("csocbot/values is %s, want failure", state)
	}
	for _, st := range e.gh.Statuses(e.repo, e.headSHA) {
		if st.Context == "csocbot/plan" {
			t.Errorf("a gitops repository got a plan status: %+v", st)
		}
	}

	post(t, e.srv.Handler(), delivery{event: "pull_request", id: "gitops-closed", body: fixture(t, "pull_request/closed.payload.json", func(m map[string]any) {
		pr := obj(m, "pull_request")
		pr["merged"], pr["state"] = true, "closed"
		obj(pr, "head")["sha"] = e.headSHA
	})})
	e.waitFor("the sync note", func() bool {
		for _, c := range e.gh.Comments(e.repo, e.pr) {
			if strings.Contains(c.Body, "Argo CD syncs these applications") && strings.Contains(c.Body, "gen3-testcommons") {
				return true
			}
		}
		return false
	})
}

// mirrorFetcher fetches chart repositories through a mirror cache, as
// the server's wiring does.
type mirrorFetcher struct {
	cache *repocache.Cache
	dir   string
}

func (m mirrorFetcher) FetchGit(ctx context.Context, repoURL, revision string) (fsys fs.FS, commit string, err error) {
	name := strings.TrimSuffix(repoURL[strings.Index(repoURL, "/uc-cdis/")+1:], ".git")
	got, err := m.cache.Fetch(ctx, name, repoURL+".git", repocache.FetchRefs{Revision: revision})
	if err != nil {
		return nil, "", err
	}
	dir := filepath.Join(m.dir, got.Revision)
	if _, err := os.Stat(dir); err != nil {
		if err := m.cache.Checkout(ctx, name, got.Revision, dir); err != nil {
			return nil, "", err
		}
	}
	return os.DirFS(dir), got.Revision, nil
}
