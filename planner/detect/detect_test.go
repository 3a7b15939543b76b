package detect

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/gitrepo"
)

const (
	prod    = "live/gen3-prod/us-east-1/prod/"
	staging = "live/gen3-staging/us-east-1/staging/"
	csocVPC = "live/csoc/us-east-1/ops/vpc"
)

func sampleRepo(t *testing.T) (*gittest.Repo, string) {
	t.Helper()
	r := gittest.New(t, filepath.Join("..", "..", "testdata", "infra"))
	return r, r.CommitAll("initial")
}

func detectOn(t *testing.T, r *gittest.Repo, base, head string, opts Options) *Result {
	t.Helper()
	repo, err := gitrepo.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	opts.Root = r.Dir
	res, err := New(repo, opts).Detect(context.Background(), base, head)
	if err != nil {
		t.Fatalf("Detect: %v", err)
	}
	return res
}

func paths(units []Unit) []string {
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = u.Path
	}
	return out
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name           string
		change         func(r *gittest.Repo)
		skipDependents bool
		wantUnits      []string // in apply order
		wantReasons    map[string]string
		wantDeleted    []string
		wantUnmatched  []string
	}{
		{
			name:      "unit file with dependents",
			change:    func(r *gittest.Repo) { r.Replace(prod+"vpc/terragrunt.hcl", "10.10.0.0/16", "10.12.0.0/16") },
			wantUnits: []string{prod + "vpc", prod + "eks", prod + "irsa-fence", prod + "irsa-hatchery", prod + "rds"},
			wantReasons: map[string]string{
				prod + "vpc":        "changed " + prod + "vpc/terragrunt.hcl",
				prod + "eks":        "depends on " + prod + "vpc",
				prod + "irsa-fence": "depends on " + prod + "eks",
			},
		},
		{
			name:           "unit file without dependents",
			change:         func(r *gittest.Repo) { r.Replace(prod+"vpc/terragrunt.hcl", "10.10.0.0/16", "10.12.0.0/16") },
			skipDependents: true,
			wantUnits:      []string{prod + "vpc"},
		},
		{
			name:      "shared include",
			change:    func(r *gittest.Repo) { r.Replace("_envcommon/eks.hcl", `"1.30"`, `"1.31"`) },
			wantUnits: []string{prod + "eks", prod + "irsa-fence", prod + "irsa-hatchery", staging + "eks", staging + "irsa-fence"},
			wantReasons: map[string]string{
				prod + "eks":    "includes _envcommon/eks.hcl (changed)",
				staging + "eks": "includes _envcommon/eks.hcl (changed)",
			},
		},
		{
			name:           "account file read by the root include",
			change:         func(r *gittest.Repo) { r.Append("live/gen3-prod/account.hcl", "\n") },
			skipDependents: true,
			wantUnits:      []string{prod + "s3-data", prod + "vpc", prod + "eks", prod + "irsa-fence", prod + "irsa-hatchery", prod + "rds"},
			wantReasons:    map[string]string{prod + "s3-data": "reads config live/gen3-prod/account.hcl (changed)"},
		},
		{
			name:   "module called by modules and a plain root",
			change: func(r *gittest.Repo) { r.Append("modules/tags/main.tf", "\n# note\n") },
			// vpc and rds call ../tags; terraform/csoc-dns calls it too.
			skipDependents: true,
			wantUnits:      []string{csocVPC, prod + "vpc", prod + "rds", staging + "vpc", staging + "rds", "terraform/csoc-dns"},
			wantReasons: map[string]string{
				prod + "vpc":         "module modules/tags, called by modules/vpc, changed (modules/tags/main.tf)",
				"terraform/csoc-dns": "module modules/tags, called by terraform/csoc-dns, changed (modules/tags/main.tf)",
			},
		},
		{
			name:           "nested local module",
			change:         func(r *gittest.Repo) { r.Append("modules/eks/node-group/main.tf", "\n") },
			skipDependents: true,
			wantUnits:      []string{prod + "eks", staging + "eks"},
			wantReasons:    map[string]string{prod + "eks": "module modules/eks/node-group, called by modules/eks, changed (modules/eks/node-group/main.tf)"},
		},
		{
			name: "file read with file()",
			change: func(r *gittest.Repo) {
				r.Replace("policies/fence-bucket-read.json", "s3:GetObject", "s3:GetObjectVersion")
			},
			skipDependents: true,
			wantUnits:      []string{prod + "irsa-fence", staging + "irsa-fence"},
			wantReasons:    map[string]string{prod + "irsa-fence": "reads policies/fence-bucket-read.json (changed)"},
		},
		{
			name:           "template read with templatefile()",
			change:         func(r *gittest.Repo) { r.Append("policies/hatchery-workspace.json.tftpl", "\n") },
			skipDependents: true,
			wantUnits:      []string{prod + "irsa-hatchery"},
			wantReasons:    map[string]string{prod + "irsa-hatchery": "renders template policies/hatchery-workspace.json.tftpl (changed)"},
		},
		{
			name:           "root include changes every unit",
			change:         func(r *gittest.Repo) { r.Append("root.hcl", "\n") },
			skipDependents: true,
			wantUnits: []string{csocVPC, prod + "s3-data", prod + "vpc", prod + "eks", prod + "irsa-fence", prod + "irsa-hatchery", prod + "rds",
				staging + "vpc", staging + "eks", staging + "irsa-fence", staging + "rds"},
		},
		{
			name: "a new file shadows what find_in_parent_folders found",
			change: func(r *gittest.Repo) {
				r.Write(prod+"account.hcl", "locals {\n  account_name = \"gen3-prod-shadow\"\n  account_id = \"444444444444\"\n}\n")
			},
			skipDependents: true,
			wantUnits:      []string{prod + "s3-data", prod + "vpc", prod + "eks", prod + "irsa-fence", prod + "irsa-hatchery", prod + "rds"},
			wantReasons:    map[string]string{prod + "vpc": "reads config " + prod + "account.hcl (added)"},
		},
		{
			name:          "unrelated file",
			change:        func(r *gittest.Repo) { r.Write("docs/runbook.md", "# runbook\n") },
			wantUnits:     []string{},
			wantUnmatched: []string{"docs/runbook.md"},
		},
		{
			name:        "deleted unit",
			change:      func(r *gittest.Repo) { r.Remove(staging + "irsa-fence") },
			wantUnits:   []string{},
			wantDeleted: []string{staging + "irsa-fence"},
		},
		{
			name:        "renamed unit",
			change:      func(r *gittest.Repo) { r.Move(staging+"rds", staging+"database") },
			wantUnits:   []string{staging + "database"},
			wantDeleted: []string{staging + "rds"},
			wantReasons: map[string]string{staging + "database": "renamed " + staging + "rds/terragrunt.hcl to " + staging + "database/terragrunt.hcl"},
		},
		{
			name:        "deleted plain root",
			change:      func(r *gittest.Repo) { r.Remove("terraform/csoc-dns") },
			wantUnits:   []string{},
			wantDeleted: []string{"terraform/csoc-dns"},
		},
		{
			name:           "deleted module is not a deleted root",
			change:         func(r *gittest.Repo) { r.Remove("modules/eks/node-group") },
			skipDependents: true,
			wantUnits:      []string{prod + "eks", staging + "eks"},
			wantDeleted:    []string{},
		},
		{
			name:        "new plain root",
			change:      func(r *gittest.Repo) { r.Write("terraform/audit/main.tf", "resource \"terraform_data\" \"a\" {}\n") },
			wantUnits:   []string{"terraform/audit"},
			wantReasons: map[string]string{"terraform/audit": "added terraform/audit/main.tf"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, base := sampleRepo(t)
			tt.change(r)
			head := r.CommitAll(tt.name)
			res := detectOn(t, r, base, head, Options{SkipDependents: tt.skipDependents})
			checkSelection(t, res, tt.wantUnits, tt.wantReasons, tt.wantDeleted)
			if tt.wantUnmatched != nil && !slices.Equal(res.Unmatched, tt.wantUnmatched) {
				t.Errorf("unmatched = %q, want %q", res.Unmatched, tt.wantUnmatched)
			}
		})
	}
}

func TestDetectApplyOrderRespectsDependencies(t *testing.T) {
	r, base := sampleRepo(t)
	r.Append("root.hcl", "\n")
	res := detectOn(t, r, base, r.CommitAll("touch root"), Options{})
	pos := map[string]int{}
	for i, u := range res.Units {
		pos[u.Path] = i
	}
	for _, u := range res.Units {
		for _, d := range u.Dependencies {
			if pos[d] >= pos[u.Path] {
				t.Errorf("%s comes before its dependency %s", u.Path, d)
			}
		}
	}
	hatchery := res.Units[pos[prod+"irsa-hatchery"]]
	if want := []string{prod + "eks", prod + "s3-data"}; !slices.Equal(hatchery.Dependencies, want) {
		t.Errorf("irsa-hatchery dependencies = %q, want %q (dependency block and dependencies.paths)", hatchery.Dependencies, want)
	}
}

// A dependency cycle a pull request makes is an error of the units in it;
// their dependents are skipped and every other unit is still detected.
func TestDetectCycle(t *testing.T) {
	r, base := sampleRepo(t)
	r.Append(prod+"vpc/terragrunt.hcl", "\ndependencies {\n  paths = [\"../eks\"]\n}\n")
	r.Replace(staging+"vpc/terragrunt.hcl", "10.20.0.0/16", "10.22.0.0/16")
	res := detectOn(t, r, base, r.CommitAll("cycle"), Options{})

	var errPaths []string
	for _, e := range res.Errors {
		errPaths = append(errPaths, e.Path)
		for _, w := range []string{"dependency cycle: ", prod + "eks -> " + prod + "vpc -> " + prod + "eks", "remove one of these"} {
			if !strings.Contains(e.Error, w) {
				t.Errorf("error of %s %q does not contain %q", e.Path, e.Error, w)
			}
		}
	}
	if want := []string{prod + "eks", prod + "vpc"}; !slices.Equal(slices.Sorted(slices.Values(errPaths)), want) {
		t.Errorf("errors for %q, want %q", errPaths, want)
	}
	skipped := map[string]string{}
	for _, u := range res.Units {
		skipped[u.Path] = u.Skipped
	}
	if s, ok := skipped[prod+"irsa-fence"]; !ok || !strings.Contains(s, prod+"eks") {
		t.Errorf("irsa-fence (depends on eks) skipped = %q, %v; want skipped naming eks", s, ok)
	}
	if s, ok := skipped[staging+"vpc"]; !ok || s != "" {
		t.Errorf("staging vpc = %q, %v; want it detected and not skipped", s, ok)
	}
}

// TestDetectWarmCacheSeesChanges proves the caches do not hide changes:
// the same Detector, asked about two pull requests in turn, answers each
// exactly as a fresh one does.
func TestDetectWarmCacheSeesChanges(t *testing.T) {
	r, base := sampleRepo(t)
	r.Git("checkout", "-q", "-b", "pr1")
	r.Replace(prod+"vpc/terragrunt.hcl", "10.10.0.0/16", "10.12.0.0/16")
	pr1 := r.CommitAll("pr1")
	r.Git("checkout", "-q", "main")
	r.Git("checkout", "-q", "-b", "pr2")
	r.Write(prod+"env.hcl", "locals {\n  environment = \"production\"\n}\n")
	pr2 := r.CommitAll("pr2")

	repo, err := gitrepo.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	warm := New(repo, Options{Root: r.Dir, SkipDependents: true})
	for _, head := range []string{pr1, pr2, pr1, pr2} {
		got, err := warm.Detect(context.Background(), base, head)
		if err != nil {
			t.Fatal(err)
		}
		want := detectOn(t, r, base, head, Options{SkipDependents: true})
		if !slices.Equal(paths(got.Units), paths(want.Units)) {
			t.Errorf("head %s: warm detector selected %q, fresh one %q", head[:7], paths(got.Units), paths(want.Units))
		}
		for i := range got.Units {
			if !got.Units[i].Config.Inputs.RawEquals(want.Units[i].Config.Inputs) {
				t.Errorf("head %s: %s inputs differ between warm and fresh detectors", head[:7], got.Units[i].Path)
			}
		}
	}
}

// checkSelection checks the units selected in apply order, a reason of
// each unit named in wantReasons, and the deleted units.
func checkSelection(t *testing.T, res *Result, wantUnits []string, wantReasons map[string]string, wantDeleted []string) {
	t.Helper()
	if got := paths(res.Units); !slices.Equal(got, wantUnits) {
		t.Errorf("units:\n got  %q\n want %q", got, wantUnits)
	}
	for unit, reason := range wantReasons {
		i := slices.IndexFunc(res.Units, func(u Unit) bool { return u.Path == unit })
		if i < 0 {
			t.Errorf("unit %s not selected", unit)
			continue
		}
		if !slices.Contains(res.Units[i].Reasons, reason) {
			t.Errorf("reasons of %s = %q, want %q among them", unit, res.Units[i].Reasons, reason)
		}
	}
	if wantDeleted == nil {
		wantDeleted = []string{}
	}
	if !slices.Equal(res.Deleted, wantDeleted) {
		t.Errorf("deleted = %q, want %q", res.Deleted, wantDeleted)
	}
}
