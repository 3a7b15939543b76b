package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// gitopsDir is a copy of uc-cdis/gen3-gitops (see its README.md).
const gitopsDir = "../testdata/gen3-gitops"

// midrcApp is the prod application of the corpus's midrcprod cluster.
const (
	midrcManifest = "midrcprod/data.midrc.org/templates/app.yaml"
	midrcValues   = "midrcprod/data.midrc.org/values/values.yaml"
)

// readYAML reads a file of gitopsDir as Helm reads values.
func readYAML(t testing.TB, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(gitopsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// midrcInput is the values document of data.midrc.org for a pull request
// that changes its values file from before to after (both from the corpus
// file, edited by the caller).
func midrcInput(t testing.TB, before, after map[string]any) Input {
	t.Helper()
	app := readYAML(t, midrcManifest)
	spec, _ := app["spec"].(map[string]any)
	srcs, _ := spec["sources"].([]any)
	var sources []ValuesSource
	for _, s := range srcs {
		m, _ := s.(map[string]any)
		str := func(k string) string { v, _ := m[k].(string); return v }
		sources = append(sources, ValuesSource{RepoURL: str("repoURL"), Path: str("path"), Chart: str("chart"),
			TargetRevision: str("targetRevision"), Ref: str("ref")})
	}
	if len(sources) != 2 {
		t.Fatalf("%s: %d sources, want 2", midrcManifest, len(sources))
	}
	cluster := readYAML(t, "midrcprod/cluster-values/cluster-values.yaml")
	account, _ := cluster["accountNumber"].(string)
	meta, _ := app["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	return Input{
		PR: PR{Repo: "uc-cdis/gen3-gitops", Number: 7, ChangedFiles: []ChangedFile{{Path: midrcValues, Status: "modified"}}},
		// The workflow sets the environment, so sets restricted to some
		// environments apply; there is no unit otherwise.
		Unit: Unit{Environment: "midrcprod"},
		Values: &Values{
			Application: ValuesApp{Name: name, Namespace: "argocd", Project: "default", File: midrcManifest, Sources: sources},
			Environment: ValuesEnv{Name: "midrcprod", Prod: true, Cluster: "midrcprod", Account: account, Hostname: "data.midrc.org"},
			ValueFiles:  []ValueFile{{Path: midrcValues, Exists: true}},
			Before:      before,
			After:       after,
			Changes:     diffValues("", before, after),
		},
	}
}

// diffValues is a small stand-in for planner/values.Diff (which policy may
// not import): maps are compared key by key, anything else as a whole.
func diffValues(path string, before, after any) []ValuesChange {
	bm, bok := before.(map[string]any)
	am, aok := after.(map[string]any)
	if bok && aok {
		keys := slices.Sorted(maps.Keys(bm))
		for k := range am {
			if _, ok := bm[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var out []ValuesChange
		for _, k := range keys {
			p := k
			if strings.ContainsAny(k, ". ") {
				p = fmt.Sprintf("[%q]", k)
			} else if path != "" {
				p = "." + k
			}
			out = append(out, diffValues(path+p, bm[k], am[k])...)
		}
		return out
	}
	if reflect.DeepEqual(before, after) {
		return nil
	}
	c := ValuesChange{Path: path, Op: "changed", Before: before, After: after, BeforeType: valueType(before), AfterType: valueType(after)}
	switch {
	case before == nil:
		c.Op = "added"
	case after == nil:
		c.Op = "removed"
	}
	c.TypeChanged = c.BeforeType != c.AfterType
	return []ValuesChange{c}
}

func valueType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case map[string]any:
		return "map"
	case []any:
		return "list"
	}
	return "number"
}

// setValue sets a path (keys without dots) in m, creating maps.
func setValue(m map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

// editedMidrc returns the corpus values and a copy with edits every values
// rule objects to.
func editedMidrc(t testing.TB) (before, after map[string]any) {
	before = readYAML(t, midrcValues)
	after = readYAML(t, midrcValues)
	setValue(after, []string{"fence", "image", "tag"}, "master")
	setValue(after, []string{"sheepdog", "image", "tag"}, 2026.1) // tag: 2026.10, unquoted
	setValue(after, []string{"fence", "usersync", "slack_webhook"}, ValuesMasked)
	setValue(after, []string{"audit", "serviceAccount", "annotations", "eks.amazonaws.com/role-arn"},
		"arn:aws:iam::742378880825:role/gen3_service/ardac1prd-default-audit-sa")
	setValue(after, []string{"global", "externalSecrets", "slackWebhookSecretName"}, "midrcprod-slack-webhook-2")
	return before, after
}

func loadLibrary(t testing.TB) *Engine {
	t.Helper()
	e, err := Load(context.Background(), []Set{{Name: "gen3", Dir: "library"}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestValuesLibrary evaluates the bundled library on data.midrc.org's real
// values, edited, before and after the plan: only the values rules report,
// each with the expected finding.
func TestValuesLibrary(t *testing.T) {
	e := loadLibrary(t)
	before, after := editedMidrc(t)
	in := midrcInput(t, before, after)
	if n := len(in.Values.Changes); n != 5 {
		t.Fatalf("%d changes, want the 5 edits: %+v", n, in.Values.Changes)
	}
	want := map[string]string{
		"values_prod_image_tags/deny":     `fence.image.tag is set to "master" (was "2026.07")`,
		"values_image_tag_type/deny":      "sheepdog.image.tag is the number 2026.1",
		"values_plaintext_secrets/deny":   "fence.usersync.slack_webhook sets a plaintext secret",
		"values_account_consistency/deny": `audit.serviceAccount.annotations["eks.amazonaws.com/role-arn"] is the role arn:aws:iam::742378880825:role/gen3_service/ardac1prd-default-audit-sa in account 742378880825`,
		// The manifest is not changed: the feature branch is a warning.
		"values_argocd_hygiene/warn": `follows targetRevision "feat/deployment-canary", which looks like a feature branch`,
	}
	for _, m := range []Moment{PrePlan, PostPlan} {
		results, err := e.Evaluate(context.Background(), in, m)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range results {
			k := r.Rule + "/" + string(r.Kind)
			if _, dup := got[k]; dup {
				t.Errorf("%s: two %s results: %q", m, k, r.Message)
			}
			got[k] = r.Message
		}
		for k, sub := range want {
			if !strings.Contains(got[k], sub) {
				t.Errorf("%s: %s = %q, want it to contain %q", m, k, got[k], sub)
			}
			delete(got, k)
		}
		for k, msg := range got {
			t.Errorf("%s: unexpected %s: %s", m, k, msg)
		}
	}
}

// TestValuesUnchangedPass: a pull request that changes nothing in the
// values leaves only the existing feature-branch warning.
func TestValuesUnchangedPass(t *testing.T) {
	e := loadLibrary(t)
	before := readYAML(t, midrcValues)
	in := midrcInput(t, before, readYAML(t, midrcValues))
	results, err := e.Evaluate(context.Background(), in, PostPlan)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].Rule != "values_argocd_hygiene" || results[0].Kind != Warn {
		t.Errorf("results %+v, want only the values_argocd_hygiene warning", results)
	}
}

// TestTerraformRulesIgnoreValues checks that the library's Terraform rules
// report nothing on a values document, which has no unit (but maybe its
// environment), config or plan.
func TestTerraformRulesIgnoreValues(t *testing.T) {
	e := loadLibrary(t)
	before, after := editedMidrc(t)
	in := midrcInput(t, before, after)
	for _, env := range []string{"", "midrcprod", "prod"} {
		in.Unit.Environment = env
		for _, m := range []Moment{PrePlan, PostPlan} {
			results, err := e.Evaluate(context.Background(), in, m)
			if err != nil {
				t.Fatal(err)
			}
			if len(results) == 0 {
				t.Fatalf("%s, environment %q: no results at all", m, env)
			}
			for _, r := range results {
				if r.Kind == Error || !strings.HasPrefix(r.Rule, "values_") {
					t.Errorf("%s, environment %q: %s/%s on a values document: %s", m, env, r.Rule, r.Kind, r.Message)
				}
			}
		}
	}
}

// TestValuesInputMatchesSchema checks a values document against
// schema/input.schema.json, and that a values-less document has no values
// key.
func TestValuesInputMatchesSchema(t *testing.T) {
	raw, err := os.ReadFile("schema/input.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	schema := decode(t, raw)
	before, after := editedMidrc(t)
	in := midrcInput(t, before, after)
	in.Values.Objects = []ObjectChange{{Kind: "Deployment", Namespace: "midrcprod-helm", Name: "fence-deployment", Op: "changed"}}
	for _, doc := range []Input{in, {Values: &Values{}}} {
		b, err := json.Marshal(jsonDocument(doc))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range validate(schema, schema, decode(t, b), "input") {
			t.Error(e)
		}
	}
	b, err := json.Marshal(jsonDocument(Input{}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"values"`) {
		t.Errorf("a Terraform document has a values key: %s", b)
	}
}

// BenchmarkValuesPolicies evaluates the bundled library on data.midrc.org's
// values (the corpus's biggest application, about 1,000 lines) with five
// changed values.
func BenchmarkValuesPolicies(b *testing.B) {
	e := loadLibrary(b)
	before, after := editedMidrc(b)
	in := midrcInput(b, before, after)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Evaluate(ctx, in, PrePlan); err != nil {
			b.Fatal(err)
		}
	}
}
