package terraformmodules

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/csocbot/csocbot/policy"
)

// TestPolicyLibrary evaluates csocbot's bundled policy library on plans of
// the modules (testdata/terraform-modules-plans) as prod units: the
// modules' intended shape passes, and the two settings the library must
// refuse are refused.
func TestPolicyLibrary(t *testing.T) {
	ctx := context.Background()
	e, err := policy.Load(ctx, []policy.Set{{Name: "gen3", Dir: filepath.Join("..", "policy", "library")}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		plan string
		deny string // rule expected to deny once, "" for none
		want string // substring of its message
	}{
		{"csocbot-roles", "", ""},
		{"irsa-role", "", ""},
		{"irsa-role-ec2", "irsa_trust", "trusts both an EKS OIDC provider and ec2.amazonaws.com"},
		{"state-backend", "", ""},
		{"state-backend-force-destroy", "data_store_protection", "sets force_destroy = true in prod"},
	}
	for _, c := range cases {
		t.Run(c.plan, func(t *testing.T) {
			plan := loadPlan(t, c.plan)
			in := policy.Input{
				Version: policy.InputVersion,
				Unit:    policy.Unit{Path: "live/gen3-prod/" + c.plan, Kind: "terraform", Environment: "prod", Account: "123456789012", Region: "us-east-1"},
				Plan:    plan,
				Changes: policy.Changes(plan),
			}
			results, err := e.Evaluate(ctx, in, policy.PostPlan)
			if err != nil {
				t.Fatal(err)
			}
			if c.deny == "" {
				if len(results) != 0 {
					t.Errorf("want no results, got %+v", results)
				}
				return
			}
			if len(results) != 1 || results[0].Rule != c.deny || results[0].Kind != policy.Deny || !strings.Contains(results[0].Message, c.want) {
				t.Errorf("want one %s deny containing %q, got %+v", c.deny, c.want, results)
			}
		})
	}
}

// TestPlanFixtureTrustMatchesModule checks that the csocbot-roles plan
// fixture's trust policy requires the session tags csocbot sends, so the
// fixture follows the module.
func TestPlanFixtureTrustMatchesModule(t *testing.T) {
	keys := sessionTagKeys(t)
	plan := loadPlan(t, "csocbot-roles")
	roles := 0
	for _, rc := range plan.ResourceChanges {
		if rc.Type != "aws_iam_role" {
			continue
		}
		roles++
		after, _ := rc.Change.After.(map[string]any)
		var doc struct {
			Statement []struct {
				Action    []string
				Condition map[string]map[string]any
			}
		}
		if err := json.Unmarshal([]byte(after["assume_role_policy"].(string)), &doc); err != nil {
			t.Fatalf("%s: %v", rc.Address, err)
		}
		var required []string
		for k := range doc.Statement[0].Condition["Null"] {
			required = append(required, strings.TrimPrefix(k, "aws:RequestTag/"))
		}
		if !sameSet(required, keys) || !slices.Contains(doc.Statement[0].Action, "sts:TagSession") {
			t.Errorf("%s: the fixture's trust requires tags %v, csocbot sends %v", rc.Address, required, keys)
		}
	}
	if roles != 2 {
		t.Errorf("the fixture has %d roles, want plan and apply", roles)
	}
}

func loadPlan(t *testing.T, name string) *tfjson.Plan {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "terraform-modules-plans", name+".plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p tfjson.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("%s.plan.json: %v", name, err)
	}
	return &p
}
