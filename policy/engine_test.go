package policy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
)

func writeSet(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	regoPRLabel = `package csocbot.needs_label
deny contains msg if {
	not "reviewed" in input.pr.labels
	msg := sprintf("PR #%d needs the reviewed label", [input.pr.number])
}
warn contains "config source is not pinned" if not contains(input.config.source, "?ref=")
`
	regoDeletes = `package csocbot.no_deletes
import data.csocbot.lib
deny contains msg if {
	some c in lib.deletes
	msg := sprintf("%s would be deleted", [c.address])
}
`
	regoLib = `package csocbot.lib
deletes contains c if {
	some c in input.changes
	"delete" in c.actions
}
`
	regoWhole = `package csocbot.whole
warn contains "big input" if count(json.marshal(input)) > 1000000
`
	regoTest = `package csocbot.needs_label_test
test_x if true
`
)

func sampleInput() Input {
	return Input{
		Version: InputVersion,
		PR:      PR{Repo: "gen3/infra", Number: 7, Author: "alice", Labels: []string{"infra"}},
		Unit:    Unit{Path: "prod/vpc", Kind: "terragrunt", Environment: "prod"},
		Config:  Config{Source: "git::https://example.com/mod.git"},
		Changes: []Change{
			{Address: "aws_s3_bucket.a", Type: "aws_s3_bucket", Actions: []string{"delete"}},
			{Address: "aws_s3_bucket.b", Type: "aws_s3_bucket", Actions: []string{"create"}},
		},
	}
}

func TestEvaluateMoments(t *testing.T) {
	dir := writeSet(t, map[string]string{
		"label.rego":      regoPRLabel,
		"deletes.rego":    regoDeletes,
		"lib.rego":        regoLib,
		"whole.rego":      regoWhole,
		"label_test.rego": regoTest,
	})
	e, err := Load(context.Background(), []Set{{Name: "base", Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		moment Moment
		want   []Result
	}{
		{PrePlan, []Result{
			{Set: "base", Rule: "needs_label", Kind: Deny, Message: "PR #7 needs the reviewed label"},
			{Set: "base", Rule: "needs_label", Kind: Warn, Message: "config source is not pinned"},
		}},
		{PostPlan, []Result{
			{Set: "base", Rule: "needs_label", Kind: Deny, Message: "PR #7 needs the reviewed label"},
			{Set: "base", Rule: "needs_label", Kind: Warn, Message: "config source is not pinned"},
			{Set: "base", Rule: "no_deletes", Kind: Deny, Message: "aws_s3_bucket.a would be deleted"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.moment.String(), func(t *testing.T) {
			got, err := e.Evaluate(context.Background(), sampleInput(), tt.moment)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestPlanRefAnalysis(t *testing.T) {
	tests := []struct {
		name, src string
		pre       bool
		readsPlan bool
	}{
		{"pr only", `package csocbot.r
deny contains "x" if input.pr.number > 0`, true, false},
		{"changes", `package csocbot.r
deny contains "x" if count(input.changes) > 0`, false, false},
		{"changes by type", `package csocbot.r
deny contains "x" if count(input.changes_by_type.aws_db_instance) > 0`, false, false},
		{"plan via helper rule", `package csocbot.r
n := count(input.plan.resource_changes)
warn contains "x" if n > 0`, false, true},
		{"plan via function", `package csocbot.r
f(x) := input.plan.format_version
deny contains "x" if f(1) == "1.2"`, false, true},
		{"dynamic input key", `package csocbot.r
deny contains "x" if { some k; input[k] == 1 }`, false, true},
		{"whole input", `package csocbot.r
deny contains "x" if { x := input; x.pr.number == 1 }`, false, true},
		{"unit in comprehension", `package csocbot.r
deny contains "x" if count([t | some t in input.unit.tags]) > 5`, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeSet(t, map[string]string{"r.rego": tt.src})
			e, err := Load(context.Background(), []Set{{Name: "s", Dir: dir}})
			if err != nil {
				t.Fatal(err)
			}
			pre := len(e.sets[0].queries[PrePlan]) > 0
			if pre != tt.pre {
				t.Errorf("pre-plan = %v, want %v", pre, tt.pre)
			}
			if len(e.sets[0].queries[PostPlan]) == 0 {
				t.Error("no post-plan query")
			}
			if e.sets[0].readsPlan != tt.readsPlan {
				t.Errorf("reads plan = %v, want %v", e.sets[0].readsPlan, tt.readsPlan)
			}
		})
	}
}

// TestPlanWhenRead checks that a set reading input.plan sees it, also next
// to a set that does not.
func TestPlanWhenRead(t *testing.T) {
	changesOnly := writeSet(t, map[string]string{"c.rego": regoDeletes, "lib.rego": regoLib})
	plan := writeSet(t, map[string]string{"p.rego": `package csocbot.plan
warn contains sprintf("format %s", [input.plan.format_version])
`})
	in := sampleInput()
	in.Plan = &tfjson.Plan{FormatVersion: "1.2"}
	tests := []struct {
		name string
		sets []Set
		want int
	}{
		{"plan only", []Set{{Name: "p", Dir: plan}}, 1},
		{"both", []Set{{Name: "c", Dir: changesOnly}, {Name: "p", Dir: plan}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Load(context.Background(), tt.sets)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Evaluate(context.Background(), in, PostPlan)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want || got[len(got)-1].Message != "format 1.2" {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestEvaluateFailures(t *testing.T) {
	tests := []struct {
		name, src, want string
		timeout         time.Duration
	}{
		{"conflict", `package csocbot.conflict
x = 1 if input.pr.number > 0
x = 2 if input.pr.number > 1
deny contains "never" if x == 3`, "failed to evaluate", time.Second},
		{"strict builtin", `package csocbot.div
deny contains "never" if to_number("not a number") == 3`, "failed to evaluate", time.Second},
		{"timeout", `package csocbot.slow
deny contains "never" if {
	some i in numbers.range(1, 100000)
	some j in numbers.range(1, 100000)
	i * j < 0
}`, "timed out", 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeSet(t, map[string]string{
				"bad.rego": tt.src,
				"ok.rego":  "package csocbot.ok\nwarn contains \"fine\" if true\n",
			})
			e, err := Load(context.Background(), []Set{{Name: "s", Dir: dir}}, WithTimeout(tt.timeout))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			got, err := e.Evaluate(context.Background(), sampleInput(), PostPlan)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > tt.timeout+2*time.Second {
				t.Errorf("evaluation took %s", d)
			}
			if len(got) != 1 || got[0].Kind != Error || got[0].Set != "s" || !got[0].Blocking() ||
				!strings.Contains(got[0].Message, tt.want) {
				t.Fatalf("got %+v, want one blocking error containing %q", got, tt.want)
			}
		})
	}
}

func TestReload(t *testing.T) {
	dir := writeSet(t, map[string]string{"r.rego": "package csocbot.r\nwarn contains \"one\" if true\n"})
	ctx := context.Background()
	e, err := Load(ctx, []Set{{Name: "s", Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	eval := func() []Result {
		t.Helper()
		got, err := e.Evaluate(ctx, sampleInput(), PrePlan)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := eval(); len(got) != 1 || got[0].Message != "one" {
		t.Fatalf("got %+v", got)
	}
	if changed, err := e.ReloadIfChanged(ctx); changed || err != nil {
		t.Fatalf("unchanged files: changed=%v err=%v", changed, err)
	}
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("r.rego", "package csocbot.r\nwarn contains \"two\" if true\n")
	if got := eval(); len(got) != 1 || got[0].Message != "two" {
		t.Fatalf("after edit got %+v", got)
	}
	write("s.rego", "package csocbot.s\ndeny contains \"new\" if true\n")
	if got := eval(); len(got) != 2 || got[1].Rule != "s" {
		t.Fatalf("after add got %+v", got)
	}
	write("s.rego", "package csocbot.s\ndeny contains \"broken\" if {\n")
	if got := eval(); len(got) != 1 || got[0].Kind != Error {
		t.Fatalf("after breaking edit got %+v, want an error result", got)
	}
	if err := os.Remove(filepath.Join(dir, "s.rego")); err != nil {
		t.Fatal(err)
	}
	if got := eval(); len(got) != 1 || got[0].Message != "two" {
		t.Fatalf("after removal got %+v", got)
	}
}

func TestApplicability(t *testing.T) {
	dir := writeSet(t, map[string]string{"r.rego": "package csocbot.r\nwarn contains \"hit\" if true\n"})
	tests := []struct {
		name        string
		repos, envs []string
		want        bool
	}{
		{"everywhere", nil, nil, true},
		{"repo match", []string{"gen3/infra"}, nil, true},
		{"repo glob", []string{"gen3/*"}, nil, true},
		{"repo mismatch", []string{"other/infra"}, nil, false},
		{"env match", nil, []string{"staging", "prod"}, true},
		{"env mismatch", []string{"gen3/*"}, []string{"staging"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Load(context.Background(), []Set{{Name: "s", Dir: dir, Repos: tt.repos, Environments: tt.envs}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Evaluate(context.Background(), sampleInput(), PrePlan)
			if err != nil {
				t.Fatal(err)
			}
			if (len(got) == 1) != tt.want {
				t.Errorf("got %+v, want applied=%v", got, tt.want)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"empty", map[string]string{"x_test.rego": regoTest}, "no .rego files"},
		{"root package", map[string]string{"r.rego": "package csocbot\ndeny contains \"x\" if true\n"}, "csocbot.<rule>"},
		{"syntax", map[string]string{"r.rego": "package csocbot.r\ndeny contains"}, "r.rego"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(context.Background(), []Set{{Name: "s", Dir: writeSet(t, tt.files)}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestChangesMasking(t *testing.T) {
	plan := &tfjson.Plan{ResourceChanges: []*tfjson.ResourceChange{{
		Address: "aws_db_instance.db", Mode: tfjson.ManagedResourceMode, Type: "aws_db_instance", Name: "db",
		Change: &tfjson.Change{
			Actions: tfjson.Actions{tfjson.ActionDelete, tfjson.ActionCreate},
			Before:  map[string]any{"password": "old", "name": "db", "tags": map[string]any{"k": "v", "secret": "s"}},
			After: map[string]any{"password": "new", "name": "db", "list": []any{"a", "b"},
				"tags": map[string]any{"k": "v", "secret": "s2"}, "token": nil},
			BeforeSensitive: map[string]any{"password": true, "tags": map[string]any{"secret": true}},
			AfterSensitive: map[string]any{"password": true, "list": []any{false, true},
				"tags": map[string]any{"secret": true}, "token": true},
		},
	}, {
		Address: "aws_ssm_parameter.p", Type: "aws_ssm_parameter",
		Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionCreate}, After: "whole", AfterSensitive: true},
	}}}
	got := Changes(plan)
	if len(got) != 2 {
		t.Fatalf("got %d changes", len(got))
	}
	c := got[0]
	if fmt.Sprint(c.Actions) != "[delete create]" || c.Mode != "managed" || c.Name != "db" {
		t.Errorf("change = %+v", c)
	}
	before, after := c.Before.(map[string]any), c.After.(map[string]any)
	checks := []struct {
		name      string
		got, want any
	}{
		{"before.password", before["password"], Sensitive},
		{"before.name", before["name"], "db"},
		{"before.tags.secret", before["tags"].(map[string]any)["secret"], Sensitive},
		{"before.tags.k", before["tags"].(map[string]any)["k"], "v"},
		{"after.password", after["password"], Sensitive},
		{"after.list", fmt.Sprint(after["list"]), "[a (sensitive)]"},
		{"after.token (null stays null)", after["token"], nil},
		{"whole value", got[1].After, Sensitive},
		{"plan not modified", plan.ResourceChanges[0].Change.After.(map[string]any)["password"], "new"},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
	if len(Changes(nil)) != 0 {
		t.Error("nil plan has changes")
	}
}
