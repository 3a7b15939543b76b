package workflow

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/policy"
)

// gitopsChange commits the gen3-gitops corpus as main, applies edit on a
// branch, and returns the repository and the two revisions.
func gitopsChange(t *testing.T, edit func(src *gittest.Repo)) (*gitrepo.Repo, string, string) {
	t.Helper()
	return gitopsChangeFrom(t, nil, edit)
}

// gitopsChangeFrom is gitopsChange with setup run on main first.
func gitopsChangeFrom(t *testing.T, setup, edit func(src *gittest.Repo)) (*gitrepo.Repo, string, string) {
	t.Helper()
	src := gittest.New(t, filepath.Join("..", "..", "testdata", "gen3-gitops"))
	if setup != nil {
		setup(src)
	}
	base := src.CommitAll("base")
	src.Git("checkout", "-q", "-b", "change")
	edit(src)
	head := src.CommitAll("change")
	repo, err := gitrepo.Open(src.Dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { repo.Close() })
	return repo, base, head
}

// bundledLibrary loads the bundled policy library as one set.
func bundledLibrary(t *testing.T) *policy.Engine {
	t.Helper()
	p, err := policy.Load(t.Context(), []policy.Set{{Name: "library", Dir: filepath.Join("..", "..", "policy", "library")}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func runValues(t *testing.T, v *Values, repo *gitrepo.Repo, base, head string) (*ValuesOutcome, Report) {
	t.Helper()
	rec := &recorder{}
	v.Reporters = []Reporter{rec}
	if v.Config == nil {
		v.Config = &config.Config{CommandPrefix: "csocbot", Environments: []config.Environment{
			{Name: "prod", Prod: true, Paths: []string{"midrcprod/data.midrc.org"}},
			{Name: "unfunded", Paths: []string{"unfunded/**"}},
		}}
	}
	out, err := v.Run(context.Background(), ValuesRequest{Change: Change{Repo: "uc-cdis/gen3-gitops", HeadSHA: head}, Repo: repo, Base: base, Head: head})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.reports) != 1 {
		t.Fatalf("%d reports, want 1", len(rec.reports))
	}
	return out, rec.reports[0]
}

// TestValuesReleaseBump is a release-style pull request: every image tag
// of one values file moves to the next release. The diff is exactly those
// paths, and the comment reads as one grouped line.
func TestValuesReleaseBump(t *testing.T) {
	const file = "unfunded/diseasedatahub.org/values/values.yaml"
	repo, base, head := gitopsChange(t, func(src *gittest.Repo) {
		for range 6 {
			src.Replace(file, "tag: '2026.04'", "tag: '2026.05'")
		}
	})
	out, rep := runValues(t, &Values{Policies: bundledLibrary(t)}, repo, base, head)
	if len(out.Apps) != 1 || out.Apps[0].App.Name != "gen3-niaiddata" {
		t.Fatalf("applications %+v, want only gen3-niaiddata", out.Apps)
	}
	a := out.Apps[0]
	var paths []string
	for _, c := range a.Changes {
		paths = append(paths, c.Path)
		if c.Before != "2026.04" || c.After != "2026.05" {
			t.Errorf("%s: %v → %v", c.Path, c.Before, c.After)
		}
	}
	want := []string{"arborist.image.tag", "indexd.image.tag", "manifestservice.image.tag", "peregrine.image.tag", "revproxy.image.tag", "sheepdog.image.tag"}
	if !slices.Equal(paths, want) {
		t.Errorf("changed paths %q, want %q", paths, want)
	}
	if a.Env.Name != "unfunded" || a.Env.Prod || a.Env.Hostname != "diseasedatahub.org" || a.Env.Cluster != "unfunded" {
		t.Errorf("environment %+v", a.Env)
	}
	md := rep.Comment.Markdown
	if n := strings.Count(md, "→ "); n != 1 {
		t.Errorf("the release bump reads as %d lines, want 1:\n%s", n, md)
	}
	if st := rep.Statuses[0]; st.Kind != ValuesStatus || st.State != Success {
		t.Errorf("status %+v, want success:\n%s", st, md)
	}
}

// TestValuesPlaintextSecretDenied adds a password to a values file: the
// policy denies it, the status fails, and the value never reaches the
// comment.
func TestValuesPlaintextSecretDenied(t *testing.T) {
	const file = "unfunded/diseasedatahub.org/values/values.yaml"
	const secret = "hunter2-Sup3rS3cret"
	repo, base, head := gitopsChange(t, func(src *gittest.Repo) {
		src.Replace(file, "    dbCreate: false\n", "    dbCreate: false\n    password: "+secret+"\n")
	})
	out, rep := runValues(t, &Values{Policies: bundledLibrary(t)}, repo, base, head)
	md := rep.Comment.Markdown
	if strings.Contains(md, secret) {
		t.Fatalf("the secret is in the comment:\n%s", md)
	}
	if st := rep.Statuses[0]; st.State != Failure {
		t.Errorf("status %+v, want failure", st)
	}
	if !strings.Contains(md, "values_plaintext_secrets") {
		t.Errorf("the comment does not name the denying rule:\n%s", md)
	}
	if !out.Failed(nil) && len(out.Apps[0].Policy.Results) == 0 {
		t.Error("no policy result")
	}
}

// TestValuesUnquotedTag writes a tag YAML reads as a number.
func TestValuesUnquotedTag(t *testing.T) {
	const file = "unfunded/diseasedatahub.org/values/values.yaml"
	repo, base, head := gitopsChange(t, func(src *gittest.Repo) {
		src.Replace(file, "    repository: quay.io/cdis/arborist\n    tag: '2026.04'", "    repository: quay.io/cdis/arborist\n    tag: 2026.10")
	})
	out, rep := runValues(t, &Values{Policies: bundledLibrary(t)}, repo, base, head)
	c := out.Apps[0].Changes
	if len(c) != 1 || !c[0].TypeChanged || c[0].AfterType != "number" {
		t.Fatalf("changes %+v, want one type change to a number", c)
	}
	md := rep.Comment.Markdown
	if !strings.Contains(md, "quote it") || !strings.Contains(md, "2026.1") {
		t.Errorf("the comment does not call out the number:\n%s", md)
	}
	if rep.Statuses[0].State != Failure {
		t.Errorf("status %+v, want failure (image tags are strings)", rep.Statuses[0])
	}
}

// TestValuesSplitFilesAndUnused changes one of an application's several
// value files and a file no application uses.
func TestValuesSplitFilesAndUnused(t *testing.T) {
	repo, base, head := gitopsChange(t, func(src *gittest.Repo) {
		src.Append("unfunded/diseasedatahub.org/values/portal.yaml", "extraNote: hello\n")
		src.Append("ci/default/values/fence.yaml", "# nobody deploys this\n")
	})
	out, _ := runValues(t, &Values{}, repo, base, head)
	if len(out.Apps) != 1 || out.Apps[0].App.Name != "gen3-niaiddata" {
		t.Fatalf("applications %+v", out.Apps)
	}
	if c := out.Apps[0].Changes; len(c) != 1 || c[0].Path != "extraNote" {
		t.Errorf("changes %+v, want extraNote", c)
	}
	if !slices.Contains(out.Unused, "ci/default/values/fence.yaml") {
		t.Errorf("unused %q, want ci/default/values/fence.yaml", out.Unused)
	}
	if got := len(out.Apps[0].ValueFiles); got != 6 {
		t.Errorf("%d value files, want 6", got)
	}
}

// TestValuesMissingValueFile removes a value file an application lists.
func TestValuesMissingValueFile(t *testing.T) {
	repo, base, head := gitopsChange(t, func(src *gittest.Repo) {
		src.Remove("unfunded/diseasedatahub.org/values/etl.yaml")
	})
	_, rep := runValues(t, &Values{Policies: bundledLibrary(t)}, repo, base, head)
	md := rep.Comment.Markdown
	if rep.Statuses[0].State != Failure || !strings.Contains(md, "etl.yaml") {
		t.Errorf("status %+v; a missing value file must be denied by name:\n%s", rep.Statuses[0], md)
	}
}

// TestValuesSplitFilesMergeInOrder sets a key in an application's first
// value file that a later one also sets: the later one wins, as in Helm,
// so only the change that reaches the deployment is shown.
func TestValuesSplitFilesMergeInOrder(t *testing.T) {
	repo, base, head := gitopsChangeFrom(t, func(src *gittest.Repo) {
		src.Append("unfunded/diseasedatahub.org/values/portal.yaml", "portalNote: from-portal\n")
	}, func(src *gittest.Repo) {
		// values.yaml comes before portal.yaml in the Application.
		src.Append("unfunded/diseasedatahub.org/values/values.yaml", "portalNote: from-values\nvaluesNote: new\n")
	})
	out, _ := runValues(t, &Values{}, repo, base, head)
	var paths []string
	for _, c := range out.Apps[0].Changes {
		paths = append(paths, c.Path)
	}
	if !slices.Equal(paths, []string{"valuesNote"}) {
		t.Errorf("changes %q, want only valuesNote: portal.yaml's portalNote wins", paths)
	}
	if got := out.Apps[0].After["portalNote"]; got != "from-portal" {
		t.Errorf("portalNote = %v, want from-portal", got)
	}
}
