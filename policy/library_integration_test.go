package policy

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestBundledLibrary loads the bundled Gen3 library as a set and checks
// that its rules see the engine's input document: a pre-plan rule fires
// before the plan, the plan rules after it.
func TestBundledLibrary(t *testing.T) {
	e, err := Load(context.Background(), []Set{{Name: "gen3", Dir: filepath.Join("library")}})
	if err != nil {
		t.Fatal(err)
	}
	in := Input{
		Version: InputVersion,
		Unit:    Unit{Path: "terraform/seed", Kind: "terraform", Environment: "prod"},
		Config: Config{
			Source:       "git::https://github.com/uc-cdis/gen3-terraform.git//tf_files/aws/commons?ref=develop",
			Provisioners: []Provisioner{{Resource: "terraform_data.seed", Type: "local-exec"}},
		},
	}
	pre, err := e.Evaluate(context.Background(), in, PrePlan)
	if err != nil {
		t.Fatal(err)
	}
	if !hasDeny(pre, "untrusted_code", "local-exec") || !hasDeny(pre, "module_source_pinned", "develop") {
		t.Errorf("pre-plan results %+v, want untrusted_code and module_source_pinned denials", pre)
	}
	in.Changes = []Change{{Address: "aws_db_instance.fence", Type: "aws_db_instance", Actions: []string{"delete"}, Before: map[string]any{"identifier": "fence"}}}
	post, err := e.Evaluate(context.Background(), in, PostPlan)
	if err != nil {
		t.Fatal(err)
	}
	if !hasDeny(post, "data_store_protection", "aws_db_instance.fence") {
		t.Errorf("post-plan results %+v, want a data_store_protection denial", post)
	}
	for _, r := range post {
		if r.Kind == Error {
			t.Errorf("the library failed to evaluate: %+v", r)
		}
	}
}

func hasDeny(results []Result, rule, text string) bool {
	for _, r := range results {
		if r.Kind == Deny && r.Rule == rule && strings.Contains(r.Message, text) {
			return true
		}
	}
	return false
}
