package detect

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/gitrepo"
)

// cacheJSON is an HCL-JSON unit beside the sample's prod units: it
// includes root.hcl, reads a shared JSON file and depends on the vpc.
const cacheJSON = `{
  "include": {"root": {"path": "${find_in_parent_folders(\"root.hcl\")}"}},
  "terraform": {"source": "../../../../../modules/s3-bucket"},
  "locals": {"common": "${read_terragrunt_config(\"${get_repo_root()}/_envcommon/cache.hcl.json\")}"},
  "dependency": {"vpc": {"config_path": "../vpc"}},
  "inputs": {"bucket_name": "${local.common.locals.prefix}-cache", "vpc": "${dependency.vpc.outputs.vpc_id}"}
}`

const cacheCommon = `{"locals": {"prefix": "gen3-prod"}}`

func addCacheUnit(r *gittest.Repo) {
	r.Write(prod+"cache/terragrunt.hcl.json", cacheJSON)
	r.Write("_envcommon/cache.hcl.json", cacheCommon)
}

func rewriteS3DataAsJSON(r *gittest.Repo) {
	r.Remove(prod + "s3-data/terragrunt.hcl")
	r.Write(prod+"s3-data/terragrunt.hcl.json", `{
  "include": {"root": {"path": "${find_in_parent_folders(\"root.hcl\")}"}},
  "terraform": {"source": "../../../../../modules/s3-bucket"},
  "inputs": {"bucket_name": "gen3-prod-data", "versioning": true, "force_destroy": false}
}`)
}

func TestDetectJSONUnits(t *testing.T) {
	tests := []struct {
		name           string
		before, change func(r *gittest.Repo)
		skipDependents bool
		wantUnits      []string
		wantReasons    map[string]string
		wantDeleted    []string
	}{
		{
			name:           "new JSON unit",
			change:         addCacheUnit,
			skipDependents: true,
			wantUnits:      []string{prod + "cache"},
			wantReasons:    map[string]string{prod + "cache": "added " + prod + "cache/terragrunt.hcl.json"},
		},
		{
			name:           "JSON file read by a JSON unit",
			before:         addCacheUnit,
			change:         func(r *gittest.Repo) { r.Replace("_envcommon/cache.hcl.json", "gen3-prod", "gen3-prd") },
			skipDependents: true,
			wantUnits:      []string{prod + "cache"},
			wantReasons:    map[string]string{prod + "cache": "reads config _envcommon/cache.hcl.json (changed)"},
		},
		{
			name:        "JSON unit depending on a changed unit",
			before:      addCacheUnit,
			change:      func(r *gittest.Repo) { r.Replace(prod+"vpc/terragrunt.hcl", "10.10.0.0/16", "10.12.0.0/16") },
			wantUnits:   []string{prod + "vpc", prod + "cache", prod + "eks", prod + "irsa-fence", prod + "irsa-hatchery", prod + "rds"},
			wantReasons: map[string]string{prod + "cache": "depends on " + prod + "vpc"},
		},
		{
			name:        "deleted JSON unit",
			before:      addCacheUnit,
			change:      func(r *gittest.Repo) { r.Remove(prod + "cache") },
			wantUnits:   []string{},
			wantDeleted: []string{prod + "cache"},
		},
		{
			name:           "HCL unit rewritten as JSON",
			change:         rewriteS3DataAsJSON,
			skipDependents: true,
			// irsa-hatchery's dependencies.paths names s3-data, whose
			// configuration file it looked for.
			wantUnits: []string{prod + "s3-data", prod + "irsa-hatchery"},
			wantReasons: map[string]string{
				prod + "s3-data":       "added " + prod + "s3-data/terragrunt.hcl.json",
				prod + "irsa-hatchery": "looks for " + prod + "s3-data/terragrunt.hcl.json (added)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, base := sampleRepo(t)
			if tt.before != nil {
				tt.before(r)
				base = r.CommitAll("before")
			}
			tt.change(r)
			head := r.CommitAll(tt.name)
			res := detectOn(t, r, base, head, Options{SkipDependents: tt.skipDependents})
			if len(res.Errors) > 0 {
				t.Fatalf("errors: %+v", res.Errors)
			}
			checkSelection(t, res, tt.wantUnits, tt.wantReasons, tt.wantDeleted)
			for _, u := range res.Units {
				if u.Path == prod+"cache" && (u.Config == nil || !strings.HasSuffix(u.Config.Path, ".json") || !slices.Equal(u.Dependencies, []string{prod + "vpc"})) {
					t.Errorf("cache unit: %+v", u)
				}
			}
		})
	}
}

// TestDetectStackFiles checks that a change to a Terragrunt stack file is
// reported as an error saying what to do, never passed over as a file
// that affects nothing.
func TestDetectStackFiles(t *testing.T) {
	const stack = "live/gen3-prod/us-east-1/stack/terragrunt.stack.hcl"
	const stackSrc = "unit \"vpc\" {\n  source = \"../../../../modules/vpc\"\n  path   = \"vpc\"\n}\n"
	tests := []struct {
		name           string
		before, change func(r *gittest.Repo)
		wantWord       string
	}{
		{name: "added", change: func(r *gittest.Repo) { r.Write(stack, stackSrc) }, wantWord: "added"},
		{
			name:     "changed",
			before:   func(r *gittest.Repo) { r.Write(stack, stackSrc) },
			change:   func(r *gittest.Repo) { r.Append(stack, "\n") },
			wantWord: "changed",
		},
		{
			name:     "deleted",
			before:   func(r *gittest.Repo) { r.Write(stack, stackSrc) },
			change:   func(r *gittest.Repo) { r.Remove(stack) },
			wantWord: "deleted",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, base := sampleRepo(t)
			if tt.before != nil {
				tt.before(r)
				base = r.CommitAll("before")
			}
			tt.change(r)
			res := detectOn(t, r, base, r.CommitAll(tt.name), Options{})
			if len(res.Errors) != 1 || res.Errors[0].Path != stack {
				t.Fatalf("errors = %+v, want one for %s", res.Errors, stack)
			}
			for _, w := range []string{stack + " " + tt.wantWord, "stacks (terragrunt.stack.hcl) are not supported", "Terragrunt 0.63.6", "Write them as terragrunt.hcl units"} {
				if !strings.Contains(res.Errors[0].Error, w) {
					t.Errorf("error %q\n does not contain %q", res.Errors[0].Error, w)
				}
			}
			if slices.Contains(res.Unmatched, stack) || len(res.Units) != 0 {
				t.Errorf("units %q, unmatched %q: the stack file must be an error only", paths(res.Units), res.Unmatched)
			}
		})
	}
}

// TestDetectWarmFollowsJSONUnits: a Detector that derives each revision
// from the previous one adds, removes and re-evaluates JSON units and
// reports stack files exactly as a fresh one does.
func TestDetectWarmFollowsJSONUnits(t *testing.T) {
	r, base := sampleRepo(t)
	branch := func(name string, change func(r *gittest.Repo)) string {
		r.Git("checkout", "-q", "main")
		r.Git("checkout", "-q", "-b", name)
		change(r)
		return r.CommitAll(name)
	}
	heads := map[string]string{
		"comment":      branch("comment", func(r *gittest.Repo) { r.Append(prod+"vpc/terragrunt.hcl", "\n# comment\n") }),
		"json unit":    branch("json-unit", addCacheUnit),
		"rewritten":    branch("rewritten", rewriteS3DataAsJSON),
		"stack":        branch("stack", func(r *gittest.Repo) { r.Write("live/stack/terragrunt.stack.hcl", "") }),
		"both formats": branch("both-formats", func(r *gittest.Repo) { r.Write(prod+"rds/terragrunt.hcl.json", `{"inputs": {"x": 1}}`) }),
	}
	repo, err := gitrepo.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	warm := New(repo, Options{Root: r.Dir})
	for _, name := range []string{"comment", "json unit", "rewritten", "comment", "both formats", "json unit", "stack", "rewritten", "both formats", "comment"} {
		head := heads[name]
		got, err := warm.Detect(context.Background(), base, head)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := freshDetect(t, r, base, head)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if g, w := describeResult(got), describeResult(want); g != w {
			t.Errorf("%s: warm detector answered\n%s\nfresh one\n%s", name, g, w)
		}
	}
}
