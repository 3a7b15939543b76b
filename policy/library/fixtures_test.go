package library_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-version"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/csocbot/csocbot/policy"
)

// plansDir holds the fixtures: <case>.plan.json is `terraform show -json`
// output, <case>.input.json the unit and config part of the input document
// (see testdata/plans/README.md).
const plansDir = "../../testdata/plans"

// valuesDir holds the fixtures of the values rules: <case>.input.json is a
// whole input document for one Argo CD application of a gitops repository
// (see testdata/values/README.md).
const valuesDir = "../../testdata/values"

// preRules are the library's rules that read only input.unit and
// input.config, or only input.values, so the engine runs them before the
// plan as well.
var preRules = map[string]bool{"assumed_roles": true, "module_source_pinned": true, "untrusted_code": true,
	"values_plaintext_secrets": true, "values_prod_image_tags": true, "values_image_tag_type": true,
	"values_account_consistency": true, "values_argocd_hygiene": true}

// want is what one rule reports: one substring per message, so the number
// of messages is checked too.
type want struct {
	rule     string
	kind     policy.Kind
	messages []string
}

// fixtureCase is one fixture and every result the library gives for it
// after the plan. Rules not listed must report nothing.
type fixtureCase struct {
	name   string
	plan   bool // has a <name>.plan.json
	values bool // a gitops application's document in valuesDir
	want   []want
}

var fixtureCases = []fixtureCase{
	{name: "assumed_roles_pass"},
	{name: "assumed_roles_fail", want: []want{
		{"assumed_roles", policy.Deny, []string{
			`the Terragrunt iam_role of live/gen3-prod/us-east-1/prod/eks/terragrunt.hcl (or a file it includes) assumes role "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole", which is not the plan or apply role of credential profile "gen3-prod"`,
			`the assume_role block of provider "aws" at live/gen3-prod/us-east-1/prod/eks/provider.tf:3 (written by a Terragrunt generate block) assumes a role given by an expression`,
		}},
	}},
	{name: "data_store_protection_pass", plan: true},
	{name: "data_store_protection_fail", plan: true, want: []want{
		{"data_store_protection", policy.Deny, []string{
			"would replace the prod data store aws_db_instance.db_fence[0]",
			"would replace the prod data store aws_db_instance.db_indexd[0]",
			"would replace the prod data store aws_db_instance.db_sheepdog[0]",
			"module.aurora[0].aws_rds_cluster.postgresql sets skip_final_snapshot = true",
			"module.aurora[0].aws_rds_cluster.postgresql sets deletion_protection = false",
			"input skip_final_snapshot = true",
		}},
	}},
	{name: "eks_version_skew_pass", plan: true},
	{name: "eks_version_skew_fail", plan: true, want: []want{
		{"eks_version_skew", policy.Deny, []string{
			"module.eks[0].aws_eks_cluster.eks_cluster changes the EKS version from 1.29 to 1.31",
		}},
	}},
	{name: "eks_version_skew_fail_node_group", plan: true, want: []want{
		{"eks_version_skew", policy.Deny, []string{
			`node group module.eks[0].aws_eks_node_group.eks_node_group["default"] would run Kubernetes 1.31 (version)`,
			`node group module.eks[0].aws_eks_node_group.eks_node_group["default"] would run Kubernetes 1.31.5-20250212 (release_version)`,
		}},
	}},
	{name: "iam_wildcard_policy_pass", plan: true},
	{name: "iam_wildcard_policy_fail", plan: true, want: []want{
		{"iam_wildcard_policy", policy.Deny, []string{
			`module.argo_workflows_sa.module.iam_policy.aws_iam_policy.policy allows Action "*" on Resource "*"`,
			`inline policy "deploy" of aws_iam_role.github_actions_deploy allows Action "*" on Resource "*"`,
		}},
	}},
	{name: "irsa_trust_pass", plan: true},
	{name: "irsa_trust_fail", plan: true, want: []want{
		{"irsa_trust", policy.Deny, []string{
			"role module.hatchery_sa.module.iam_role.aws_iam_role.the_role lets any identity from the OIDC provider assume it",
			"role module.ssjdispatcher_job_sa.module.iam_role.aws_iam_role.the_role lets any identity from the OIDC provider assume it",
			`role module.ssjdispatcher_job_sa.module.iam_role.aws_iam_role.the_role trusts the subject "system:serviceaccount:default:*" (StringLike)`,
		}},
	}},
	{name: "open_ingress_pass", plan: true},
	{name: "open_ingress_fail", plan: true, want: []want{
		{"open_ingress", policy.Deny, []string{
			"aws_security_group.jump allows ingress from 0.0.0.0/0 on port 22 (protocol tcp)",
			"aws_vpc_security_group_ingress_rule.jump_ipv6 allows ingress from ::/0 on all ports",
		}},
	}},
	{name: "module_source_pinned_pass"},
	{name: "module_source_pinned_fail", want: []want{
		{"module_source_pinned", policy.Deny, []string{`it pins the branch "develop"`}},
		// The ardac-portal-one inputs also keep skip_final_snapshot = true;
		// that rule runs only after the plan.
		{"data_store_protection", policy.Deny, []string{"input skip_final_snapshot = true"}},
	}},
	{name: "module_source_pinned_warn", want: []want{
		{"module_source_pinned", policy.Warn, []string{`it pins the branch "main"`}},
	}},
	{name: "untrusted_code_pass", plan: true, want: []want{
		// The corpus example's user.yaml bucket, planned in prod.
		{"data_store_protection", policy.Deny, []string{"aws_s3_bucket.users_bucket[0] sets force_destroy = true in prod"}},
	}},
	{name: "untrusted_code_fail", want: []want{
		{"untrusted_code", policy.Deny, []string{
			`data "external" "cognito_client_secret" runs a program on the bot's host during plan`,
			"resource terraform_data.kubeconfig has a local-exec provisioner",
		}},
	}},
	{name: "untrusted_code_fail_run_cmd", want: []want{
		{"untrusted_code", policy.Deny, []string{"calls run_cmd()"}},
		{"module_source_pinned", policy.Warn, []string{`it pins the branch "develop"`}},
	}},
	{name: "values_plaintext_secrets_pass", values: true},
	{name: "values_plaintext_secrets_fail", values: true, want: []want{
		{"values_plaintext_secrets", policy.Deny, []string{
			"fence.usersync.slack_webhook sets a plaintext secret",
			"global.postgres.master.password sets a plaintext secret",
		}},
	}},
	{name: "values_prod_image_tags_pass", values: true},
	{name: "values_prod_image_tags_fail", values: true, want: []want{
		{"values_prod_image_tags", policy.Deny, []string{
			`fence.image.tag is set to "master" (was "2026.07"): a moving tag`,
			`guppy.image.tag is set to "feat_es7" (was "2026.07"): a feature-branch build`,
		}},
	}},
	{name: "values_image_tag_type_pass", values: true},
	{name: "values_image_tag_type_fail", values: true, want: []want{
		{"values_image_tag_type", policy.Deny, []string{
			`fence.image.tag is the number 2026.1, not a string (it was the string "2026.07")`,
			`sheepdog.image.tag is the number 2026.1`,
		}},
	}},
	{name: "values_account_consistency_pass", values: true},
	{name: "values_account_consistency_fail", values: true, want: []want{
		{"values_account_consistency", policy.Deny, []string{
			`fence.serviceAccount.annotations["eks.amazonaws.com/role-arn"] is the role arn:aws:iam::742378880825:role/gen3_service/ardac1prd-default-fence-sa in account 742378880825`,
		}},
	}},
	{name: "values_argocd_hygiene_pass", values: true},
	{name: "values_argocd_hygiene_fail", values: true, want: []want{
		{"values_argocd_hygiene", policy.Deny, []string{
			`follows targetRevision "feat/deployment-canary", which looks like a feature branch`,
			"lists the value file midrcprod/data.midrc.org/values/fence.yaml, which does not exist",
		}},
	}},
}

// loadLibrary loads this folder as the "gen3" set, as the server does.
func loadLibrary(t *testing.T, extra ...policy.Set) *policy.Engine {
	t.Helper()
	e, err := policy.Load(context.Background(), append([]policy.Set{{Name: "gen3", Dir: "."}}, extra...))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// loadPlan reads a plan fixture the way the server reads terraform's output.
func loadPlan(t *testing.T, name string) *tfjson.Plan {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(plansDir, name+".plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p tfjson.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("%s.plan.json: %v", name, err)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("%s.plan.json: %v", name, err)
	}
	return &p
}

// loadInput reads <name>.input.json (unit and config, or for a values case
// the whole document) and, if the case has one, its plan.
func loadInput(t *testing.T, c fixtureCase) policy.Input {
	t.Helper()
	dir := plansDir
	if c.values {
		dir = valuesDir
	}
	b, err := os.ReadFile(filepath.Join(dir, c.name+".input.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	in := policy.Input{Version: policy.InputVersion}
	if err := dec.Decode(&in); err != nil {
		t.Fatalf("%s.input.json: %v", c.name, err)
	}
	if c.values {
		// A gitops application has no unit, config or plan.
		if in.Values == nil || in.Values.Application.Name == "" || in.Unit.Path != "" || in.Config.Source != "" {
			t.Fatalf("%s.input.json: values.application.name is required, unit and config must be empty", c.name)
		}
		return in
	}
	if in.Unit.Path == "" || in.Unit.Kind == "" || in.Unit.Environment == "" {
		t.Fatalf("%s.input.json: unit.path, unit.kind and unit.environment are required", c.name)
	}
	if c.plan {
		in.Plan = loadPlan(t, c.name)
		in.Changes = policy.Changes(in.Plan)
	}
	return in
}

// TestFixtures evaluates the library on every fixture, after the plan and
// before it (without plan and changes), and checks every result.
func TestFixtures(t *testing.T) {
	e := loadLibrary(t)
	seen := map[string]bool{}
	for _, c := range fixtureCases {
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			in := loadInput(t, c)
			post, err := e.Evaluate(context.Background(), in, policy.PostPlan)
			if err != nil {
				t.Fatal(err)
			}
			checkResults(t, "post-plan", post, c.want)
			checkNoSecrets(t, in.Plan, post)

			pre := in
			pre.Plan, pre.Changes = nil, nil
			preResults, err := e.Evaluate(context.Background(), pre, policy.PrePlan)
			if err != nil {
				t.Fatal(err)
			}
			var preWant []want
			for _, w := range c.want {
				if preRules[w.rule] {
					preWant = append(preWant, w)
				}
			}
			checkResults(t, "pre-plan", preResults, preWant)
		})
	}
	// Every rule has a passing and a failing fixture, and every file is used.
	for _, f := range regoFiles(t) {
		if strings.HasSuffix(f, "_test.rego") {
			continue
		}
		rule := strings.TrimSuffix(f, ".rego")
		if !seen[rule+"_pass"] || !seen[rule+"_fail"] {
			t.Errorf("rule %s has no %s_pass or %s_fail fixture", rule, rule, rule)
		}
	}
	files, err := filepath.Glob(filepath.Join(plansDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	valueFiles, err := filepath.Glob(filepath.Join(valuesDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, valueFiles...)
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".json"), ".plan")
		name = strings.TrimSuffix(name, ".input")
		if !seen[name] {
			t.Errorf("%s is not used by any case of TestFixtures", f)
		}
	}
}

// checkResults compares results with want: the same rules and kinds, the
// same number of messages for each, every expected substring in its own
// message, no error result, and every result from the gen3 set.
func checkResults(t *testing.T, moment string, results []policy.Result, want []want) {
	t.Helper()
	got := map[string][]string{}
	for _, r := range results {
		if r.Kind == policy.Error {
			t.Errorf("%s: the library failed to evaluate: %+v", moment, r)
			continue
		}
		if r.Set != "gen3" {
			t.Errorf("%s: result from set %q: %+v", moment, r.Set, r)
		}
		k := r.Rule + "/" + string(r.Kind)
		got[k] = append(got[k], r.Message)
	}
	for _, w := range want {
		k := w.rule + "/" + string(w.kind)
		msgs := got[k]
		delete(got, k)
		if len(msgs) != len(w.messages) {
			t.Errorf("%s: %s: %d messages, want %d:\n  %s", moment, k, len(msgs), len(w.messages), strings.Join(msgs, "\n  "))
		}
		used := make([]bool, len(msgs))
	next:
		for _, sub := range w.messages {
			for i, m := range msgs {
				if !used[i] && strings.Contains(m, sub) {
					used[i] = true
					continue next
				}
			}
			t.Errorf("%s: %s: no message contains %q; got:\n  %s", moment, k, sub, strings.Join(msgs, "\n  "))
		}
	}
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("%s: unexpected %s:\n  %s", moment, k, strings.Join(got[k], "\n  "))
	}
}

// checkNoSecrets fails when a value terraform marks sensitive in the plan
// appears in a message.
func checkNoSecrets(t *testing.T, plan *tfjson.Plan, results []policy.Result) {
	t.Helper()
	if plan == nil {
		return
	}
	var secrets []string
	for _, rc := range plan.ResourceChanges {
		secrets = append(secrets, sensitiveStrings(rc.Change.Before, rc.Change.BeforeSensitive)...)
		secrets = append(secrets, sensitiveStrings(rc.Change.After, rc.Change.AfterSensitive)...)
	}
	for _, r := range results {
		for _, s := range secrets {
			if strings.Contains(r.Message, s) {
				t.Errorf("%s/%s reveals a sensitive value: %s", r.Set, r.Rule, r.Message)
			}
		}
	}
}

func sensitiveStrings(v, sens any) []string {
	switch s := sens.(type) {
	case bool:
		if !s {
			return nil
		}
		b, _ := json.Marshal(v)
		if str, ok := v.(string); ok {
			return []string{str}
		}
		if v == nil {
			return nil
		}
		return []string{string(b)}
	case map[string]any:
		obj, _ := v.(map[string]any)
		var out []string
		for k, ks := range s {
			out = append(out, sensitiveStrings(obj[k], ks)...)
		}
		return out
	case []any:
		arr, _ := v.([]any)
		var out []string
		for i, is := range s {
			if i < len(arr) {
				out = append(out, sensitiveStrings(arr[i], is)...)
			}
		}
		return out
	}
	return nil
}

// TestEvaluationErrorIsNotAPass adds a second set whose rule fails at
// runtime on a real plan fixture: the engine must report one Error result
// naming that set (which blocks like a deny), while the library's own
// results are unaffected.
func TestEvaluationErrorIsNotAPass(t *testing.T) {
	cases := []struct {
		name, rule, src string
	}{
		{
			name: "builtin error",
			rule: "fixture_builtin_error",
			src: `package csocbot.fixture_builtin_error

# Role names are not JSON: json.unmarshal fails, and builtin errors are
# raised, never treated as undefined.
deny contains msg if {
	some c in input.changes
	c.type == "aws_iam_role"
	doc := json.unmarshal(c.after.name)
	msg := sprintf("%s: %v", [c.address, doc])
}
`,
		},
		{
			name: "conflicting complete rule",
			rule: "fixture_conflict",
			src: `package csocbot.fixture_conflict

# One value per role of the plan: a conflict as soon as it has two roles.
role_name := c.after.name if {
	some c in input.changes
	c.type == "aws_iam_role"
}

deny contains msg if {
	role_name == "root"
	msg := "unreachable"
}
`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tc.rule+".rego"), []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			e := loadLibrary(t, policy.Set{Name: "broken", Dir: dir})
			c := fixtureCase{name: "irsa_trust_pass", plan: true}
			in := loadInput(t, c)
			if roles := countType(in.Changes, "aws_iam_role"); roles < 2 {
				t.Fatalf("the fixture has %d aws_iam_role changes; the rules need two", roles)
			}
			results, err := e.Evaluate(context.Background(), in, policy.PostPlan)
			if err != nil {
				t.Fatal(err)
			}
			var gen3, broken []policy.Result
			for _, r := range results {
				switch r.Set {
				case "gen3":
					gen3 = append(gen3, r)
				case "broken":
					broken = append(broken, r)
				default:
					t.Errorf("result from an unknown set: %+v", r)
				}
			}
			checkResults(t, "post-plan", gen3, nil)
			if len(broken) != 1 {
				t.Fatalf("set broken gave %d results, want exactly one error: %+v", len(broken), broken)
			}
			r := broken[0]
			t.Logf("%s/%s %s: %s", r.Set, r.Rule, r.Kind, r.Message)
			if r.Kind != policy.Error || !r.Blocking() || r.Message == "" {
				t.Errorf("got %+v, want a blocking error result with a message", r)
			}
			if r.Rule != "" && r.Rule != tc.rule {
				t.Errorf("error result names rule %q, want %q or none", r.Rule, tc.rule)
			}
			blocking := false
			for _, r := range results {
				blocking = blocking || r.Blocking()
			}
			if !blocking {
				t.Error("a failed evaluation let the plan pass")
			}
		})
	}
}

func countType(changes []policy.Change, typ string) int {
	n := 0
	for _, c := range changes {
		if c.Type == typ {
			n++
		}
	}
	return n
}

// TestPlanFixturesAreTerraformShaped checks that every plan fixture has the
// structure terraform >= 1.5 gives `terraform show -json` (format 1.2) and
// is consistent with itself: planned values, prior state and configuration
// agree with the resource changes.
func TestPlanFixturesAreTerraformShaped(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(plansDir, "*.plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no plan fixtures")
	}
	minVersion := version.Must(version.NewVersion("1.5.0"))
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var raw map[string]any
			if err := json.Unmarshal(b, &raw); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"format_version", "terraform_version", "planned_values", "resource_changes",
				"prior_state", "configuration", "timestamp", "applyable", "complete", "errored"} {
				if _, ok := raw[k]; !ok {
					t.Errorf("no %q", k)
				}
			}
			if raw["format_version"] != "1.2" {
				t.Errorf("format_version %v, want 1.2", raw["format_version"])
			}
			v, err := version.NewVersion(fmt.Sprint(raw["terraform_version"]))
			if err != nil || v.LessThan(minVersion) {
				t.Errorf("terraform_version %v, want >= 1.5.0", raw["terraform_version"])
			}
			if raw["complete"] != true || raw["errored"] != false {
				t.Errorf("complete %v, errored %v: a fixture is a finished, successful plan", raw["complete"], raw["errored"])
			}

			var p tfjson.Plan
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatal(err)
			}
			if _, err := time.Parse(time.RFC3339, p.Timestamp); err != nil {
				t.Errorf("timestamp: %v", err)
			}
			checkShape(t, &p, raw["applyable"] == true)
		})
	}
}

func checkShape(t *testing.T, p *tfjson.Plan, applyable bool) {
	t.Helper()
	if p.PlannedValues == nil || p.PlannedValues.RootModule == nil {
		t.Fatal("no planned_values.root_module")
	}
	if p.PriorState == nil || p.PriorState.Values == nil || p.PriorState.Values.RootModule == nil {
		t.Fatal("no prior_state.values.root_module")
	}
	if p.PriorState.FormatVersion == "" || p.PriorState.TerraformVersion != p.TerraformVersion {
		t.Errorf("prior_state format_version %q, terraform_version %q", p.PriorState.FormatVersion, p.PriorState.TerraformVersion)
	}
	if p.Config == nil || p.Config.RootModule == nil {
		t.Fatal("no configuration.root_module")
	}
	aws, ok := p.Config.ProviderConfigs["aws"]
	if !ok || aws.FullName != "registry.terraform.io/hashicorp/aws" {
		t.Errorf("configuration.provider_config has no hashicorp/aws provider: %+v", p.Config.ProviderConfigs)
	}
	planned := stateResources(p.PlannedValues.RootModule)
	prior := stateResources(p.PriorState.Values.RootModule)
	if len(p.ResourceChanges) == 0 {
		t.Fatal("no resource_changes")
	}
	changed := false
	for _, rc := range p.ResourceChanges {
		ch := rc.Change
		if ch == nil {
			t.Errorf("%s: no change", rc.Address)
			continue
		}
		if want := changeAddress(rc); rc.Address != want {
			t.Errorf("address %q, want %q from module_address, mode, type, name and index", rc.Address, want)
		}
		if rc.ProviderName != "registry.terraform.io/hashicorp/aws" {
			t.Errorf("%s: provider_name %q", rc.Address, rc.ProviderName)
		}
		if ch.BeforeSensitive == nil || ch.AfterSensitive == nil || ch.AfterUnknown == nil {
			t.Errorf("%s: before_sensitive, after_sensitive and after_unknown are always present", rc.Address)
		}
		replace := ch.Actions.Replace()
		if replace != (rc.ActionReason != "") {
			t.Errorf("%s: actions %v with action_reason %q", rc.Address, ch.Actions, rc.ActionReason)
		}
		if !ch.Actions.NoOp() {
			changed = true
		}
		// planned_values: every resource that still exists after apply,
		// with the known part of after.
		pv, inPlanned := planned[rc.Address]
		if ch.Actions.Delete() {
			if inPlanned {
				t.Errorf("%s: deleted, but in planned_values", rc.Address)
			}
		} else if !inPlanned {
			t.Errorf("%s: not in planned_values", rc.Address)
		} else {
			if !reflect.DeepEqual(pv.AttributeValues, asObject(ch.After)) {
				t.Errorf("%s: planned_values differ from change.after", rc.Address)
			}
			if !reflect.DeepEqual(rawJSON(t, pv.SensitiveValues), ch.AfterSensitive) {
				t.Errorf("%s: planned_values sensitive_values differ from change.after_sensitive", rc.Address)
			}
		}
		// prior_state: every resource that existed, with before.
		ps, inPrior := prior[rc.Address]
		if ch.Before == nil {
			if inPrior {
				t.Errorf("%s: created, but in prior_state", rc.Address)
			}
		} else if !inPrior {
			t.Errorf("%s: not in prior_state", rc.Address)
		} else if !reflect.DeepEqual(ps.AttributeValues, asObject(ch.Before)) {
			t.Errorf("%s: prior_state values differ from change.before", rc.Address)
		}
		if !configHas(p.Config.RootModule, rc) {
			t.Errorf("%s: no resource block in configuration", rc.Address)
		}
	}
	if applyable != changed {
		t.Errorf("applyable is %v, but the plan changes something: %v", applyable, changed)
	}
	for addr, r := range prior {
		if r.Mode == tfjson.DataResourceMode {
			continue
		}
		found := false
		for _, rc := range p.ResourceChanges {
			found = found || rc.Address == addr
		}
		if !found {
			t.Errorf("%s is in prior_state but has no resource change", addr)
		}
	}
}

func changeAddress(rc *tfjson.ResourceChange) string {
	a := rc.Type + "." + rc.Name
	if rc.Mode == tfjson.DataResourceMode {
		a = "data." + a
	}
	switch i := rc.Index.(type) {
	case nil:
	case string:
		a += fmt.Sprintf("[%q]", i)
	case float64:
		a += fmt.Sprintf("[%d]", int(i))
	default:
		a += fmt.Sprintf("[%v]", i)
	}
	if rc.ModuleAddress != "" {
		a = rc.ModuleAddress + "." + a
	}
	return a
}

func stateResources(m *tfjson.StateModule) map[string]*tfjson.StateResource {
	out := map[string]*tfjson.StateResource{}
	var walk func(*tfjson.StateModule)
	walk = func(m *tfjson.StateModule) {
		for _, r := range m.Resources {
			out[r.Address] = r
		}
		for _, c := range m.ChildModules {
			walk(c)
		}
	}
	walk(m)
	return out
}

func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func rawJSON(t *testing.T, b json.RawMessage) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// configHas reports whether the configuration declares the resource of rc,
// following module calls by name.
func configHas(root *tfjson.ConfigModule, rc *tfjson.ResourceChange) bool {
	m := root
	if rc.ModuleAddress != "" {
		for _, part := range strings.Split(rc.ModuleAddress, "module.")[1:] {
			name := strings.TrimSuffix(part, ".")
			if i := strings.Index(name, "["); i >= 0 {
				name = name[:i]
			}
			call, ok := m.ModuleCalls[name]
			if !ok || call.Module == nil {
				return false
			}
			m = call.Module
		}
	}
	want := rc.Type + "." + rc.Name
	if rc.Mode == tfjson.DataResourceMode {
		want = "data." + want
	}
	for _, r := range m.Resources {
		if r.Address == want {
			return true
		}
	}
	return false
}
