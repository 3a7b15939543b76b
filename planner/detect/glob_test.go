package detect

import (
	"context"
	"slices"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/gitrepo"
)

// globRepo has a unit that lists shared policy files with fileset, one
// that marks shared data files read with mark_glob_as_read, and one that
// does neither. The shared folders belong to no unit, so only the globs
// tie them to units.
func globRepo(t *testing.T) (*gittest.Repo, string) {
	t.Helper()
	r := gittest.New(t, "")
	r.Write("live/app/terragrunt.hcl", `inputs = { policies = fileset("${get_repo_root()}/policies", "*.json") }`)
	r.Write("policies/a.json", "{}")
	r.Write("live/data/terragrunt.hcl", `locals { data = mark_glob_as_read("${get_repo_root()}/data/**/*.yaml") }`)
	r.Write("data/x.yaml", "")
	r.Write("live/other/terragrunt.hcl", "")
	return r, r.CommitAll("initial")
}

func TestDetectGlobs(t *testing.T) {
	tests := []struct {
		name       string
		change     func(r *gittest.Repo)
		wantUnits  []string
		wantReason string
	}{
		{
			name:       "new file matching a fileset pattern",
			change:     func(r *gittest.Repo) { r.Write("policies/b.json", "{}") },
			wantUnits:  []string{"live/app"},
			wantReason: "looks for policies/*.json (policies/b.json added)",
		},
		{
			name:       "new file matching a mark_glob_as_read pattern",
			change:     func(r *gittest.Repo) { r.Write("data/deep/y.yaml", "") },
			wantUnits:  []string{"live/data"},
			wantReason: "looks for data/**/*.yaml (data/deep/y.yaml added)",
		},
		{
			name:       "edited file marked read",
			change:     func(r *gittest.Repo) { r.Write("data/x.yaml", "a: 1\n") },
			wantUnits:  []string{"live/data"},
			wantReason: "reads data/x.yaml (changed)",
		},
		{
			name:       "deleted fileset match",
			change:     func(r *gittest.Repo) { r.Remove("policies/a.json") },
			wantUnits:  []string{"live/app"},
			wantReason: "looks for policies/*.json (policies/a.json deleted)",
		},
		{
			name:      "new file the patterns do not match",
			change:    func(r *gittest.Repo) { r.Write("policies/readme.md", "") },
			wantUnits: []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, base := globRepo(t)
			tc.change(r)
			head := r.CommitAll("change")
			res := detectOn(t, r, base, head, Options{SkipDependents: true})
			if got := paths(res.Units); !slices.Equal(got, tc.wantUnits) {
				t.Fatalf("units %q, want %q", got, tc.wantUnits)
			}
			if tc.wantReason != "" && !slices.Contains(res.Units[0].Reasons, tc.wantReason) {
				t.Errorf("reasons %q lack %q", res.Units[0].Reasons, tc.wantReason)
			}
		})
	}
}

// TestDetectWarmCacheSeesNewGlobMatches checks that a detector reusing its
// evaluations evaluates a unit again when a file appears where its glob
// matches, so that it sees the new fileset value.
func TestDetectWarmCacheSeesNewGlobMatches(t *testing.T) {
	r, base := globRepo(t)
	r.Write("policies/b.json", "{}")
	head := r.CommitAll("add b.json")
	repo, err := gitrepo.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	warm := New(repo, Options{Root: r.Dir, SkipDependents: true})
	for _, rev := range []string{base, head} {
		if _, err := warm.Detect(context.Background(), base, rev); err != nil {
			t.Fatal(err)
		}
	}
	res, err := warm.Detect(context.Background(), base, head)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Units) != 1 {
		t.Fatalf("units %q, want live/app", paths(res.Units))
	}
	if got := res.Units[0].Config.Inputs.GetAttr("policies"); got.LengthInt() != 2 {
		t.Errorf("warm detector's policies = %#v, want a.json and b.json", got)
	}
}
