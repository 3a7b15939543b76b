package detect

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/gitrepo"
)

// describeResult renders everything a Result says, for comparing two.
func describeResult(r *Result) string {
	var b strings.Builder
	for _, u := range r.Units {
		fmt.Fprintf(&b, "%s %s reasons=%q deps=%q modules=%q skipped=%q\n", u.Path, u.Kind, u.Reasons, u.Dependencies, u.Modules, u.Skipped)
	}
	fmt.Fprintf(&b, "deleted=%q unmatched=%q warnings=%q errors=%q", r.Deleted, r.Unmatched, r.Warnings, r.Errors)
	return b.String()
}

// TestDetectWarmFollowsStructuralChanges asks one Detector about pull
// requests that change what the inventory is made of (units added and
// removed, dependency edges, module sources and calls, Terraform roots,
// includes) in an order that moves back and forth between them, and
// checks every answer against a fresh Detector's.
func TestDetectWarmFollowsStructuralChanges(t *testing.T) {
	r, base := sampleRepo(t)
	branch := func(name string, change func()) string {
		r.Git("checkout", "-q", "main")
		r.Git("checkout", "-q", "-b", name)
		change()
		return r.CommitAll(name)
	}
	heads := map[string]string{
		"comment": branch("comment", func() { r.Append(prod+"vpc/terragrunt.hcl", "\n# comment\n") }),
		"add unit": branch("add-unit", func() {
			r.Write(prod+"cache/terragrunt.hcl", "include \"root\" {\n  path = find_in_parent_folders(\"root.hcl\")\n}\n\n"+
				"terraform {\n  source = \"../../../../..//modules/tags\"\n}\n\ndependencies {\n  paths = [\"../vpc\"]\n}\n")
		}),
		"remove unit":    branch("remove-unit", func() { r.Remove(staging + "irsa-fence") }),
		"dependency":     branch("dependency", func() { r.Replace(prod+"rds/terragrunt.hcl", `"../vpc"`, `"../s3-data"`) }),
		"ordering dep":   branch("ordering-dep", func() { r.Append(prod+"s3-data/terragrunt.hcl", "\ndependencies {\n  paths = [\"../vpc\"]\n}\n") }),
		"module source":  branch("module-source", func() { r.Replace(prod+"rds/terragrunt.hcl", "//modules/rds", "//modules/s3-bucket") }),
		"module call":    branch("module-call", func() { r.Append("modules/rds/main.tf", "\nmodule \"role\" {\n  source = \"../irsa-role\"\n}\n") }),
		"module comment": branch("module-comment", func() { r.Append("modules/rds/main.tf", "\n# comment\n") }),
		"new root": branch("new-root", func() {
			r.Write("terraform/audit/main.tf", "module \"tags\" {\n  source = \"../../modules/tags\"\n}\n")
		}),
		"removed root":   branch("removed-root", func() { r.Remove("terraform/csoc-dns") }),
		"shared include": branch("shared-include", func() { r.Replace("_envcommon/eks.hcl", `"1.30"`, `"1.31"`) }),
		"bad unit":       branch("bad-unit", func() { r.Append(prod+"s3-data/terragrunt.hcl", "\ninputs = {\n") }),
		"same tree":      branch("same-tree", func() {}),
	}
	// Another commit with the tree of "comment".
	r.Git("checkout", "-q", "comment")
	heads["comment again"] = r.CommitAll("comment again")
	sequence := []string{
		"comment", "add unit", "comment", "remove unit", "dependency", "ordering dep", "comment",
		"module source", "module call", "module comment", "module call", "new root", "removed root",
		"new root", "shared include", "bad unit", "comment", "bad unit", "add unit", "same tree", "module call", "comment", "comment again", "module comment",
	}
	repo, err := gitrepo.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	warm := New(repo, Options{Root: r.Dir})
	for _, name := range sequence {
		head := heads[name]
		got, gotErr := warm.Detect(context.Background(), base, head)
		want, wantErr := freshDetect(t, r, base, head)
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("%s: warm detector error %v, fresh one %v", name, gotErr, wantErr)
		}
		if gotErr != nil {
			continue
		}
		if g, w := describeResult(got), describeResult(want); g != w {
			t.Errorf("%s: warm detector answered\n%s\nfresh one\n%s", name, g, w)
		}
		for i := range got.Units {
			if c, w := got.Units[i].Config, want.Units[i].Config; (c == nil) != (w == nil) || (c != nil && !c.Inputs.RawEquals(w.Inputs)) {
				t.Errorf("%s: %s configuration differs between warm and fresh detectors", name, got.Units[i].Path)
			}
		}
	}
}

func freshDetect(t *testing.T, r *gittest.Repo, base, head string) (*Result, error) {
	t.Helper()
	repo, err := gitrepo.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return New(repo, Options{Root: r.Dir}).Detect(context.Background(), base, head)
}

// TestDetectInANewerHandle is the server's use: one Detector across
// pull requests, each detected through a handle opened after its fetch.
func TestDetectInANewerHandle(t *testing.T) {
	r, base := sampleRepo(t)
	first, err := gitrepo.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	d := New(first, Options{Root: r.Dir, SkipDependents: true})
	r.Append(prod+"vpc/terragrunt.hcl", "\n")
	pr1 := r.CommitAll("pr1")
	if _, err := d.Detect(context.Background(), base, pr1); err != nil {
		t.Fatal(err)
	}
	first.Close()

	r.Append(prod+"rds/terragrunt.hcl", "\n")
	pr2 := r.CommitAll("pr2")
	r.Git("gc", "-q") // the new commit now lives in a pack the first handle never saw
	second, err := gitrepo.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	got, err := d.DetectIn(context.Background(), second, pr1, pr2)
	if err != nil {
		t.Fatal(err)
	}
	if p := paths(got.Units); len(p) != 1 || p[0] != prod+"rds" {
		t.Errorf("units = %q, want only the rds unit", p)
	}
}
