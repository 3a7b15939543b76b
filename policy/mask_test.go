package policy

import (
	"encoding/json"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

// TestPlanIsMasked checks that no sensitive value of a plan reaches the
// input document, wherever the plan carries it.
func TestPlanIsMasked(t *testing.T) {
	const secret = "hunter2-secret"
	plan := &tfjson.Plan{
		FormatVersion: "1.2",
		ResourceChanges: []*tfjson.ResourceChange{{Address: "aws_db_instance.a", Change: &tfjson.Change{
			Actions: tfjson.Actions{tfjson.ActionUpdate}, Before: map[string]any{"password": secret}, After: map[string]any{"password": secret, "name": "a"},
			BeforeSensitive: map[string]any{"password": true}, AfterSensitive: map[string]any{"password": true},
		}}},
		ResourceDrift: []*tfjson.ResourceChange{{Address: "aws_db_instance.a", Change: &tfjson.Change{
			Before: map[string]any{"password": secret}, BeforeSensitive: map[string]any{"password": true},
		}}},
		OutputChanges: map[string]*tfjson.Change{"pw": {Actions: tfjson.Actions{tfjson.ActionCreate}, After: secret, AfterSensitive: true}},
		PlannedValues: &tfjson.StateValues{
			Outputs: map[string]*tfjson.StateOutput{"pw": {Sensitive: true, Value: secret}},
			RootModule: &tfjson.StateModule{
				Resources:    []*tfjson.StateResource{{Address: "aws_db_instance.a", AttributeValues: map[string]any{"password": secret, "name": "a"}, SensitiveValues: json.RawMessage(`{"password":true}`)}},
				ChildModules: []*tfjson.StateModule{{Resources: []*tfjson.StateResource{{Address: "module.m.x.y", AttributeValues: map[string]any{"token": secret}, SensitiveValues: json.RawMessage(`true`)}}}},
			},
		},
		PriorState: &tfjson.State{Values: &tfjson.StateValues{Outputs: map[string]*tfjson.StateOutput{"pw": {Sensitive: true, Value: secret}}}},
		Variables:  map[string]*tfjson.PlanVariable{"db_password": {Value: secret}, "name": {Value: "a"}},
		Config: &tfjson.Config{RootModule: &tfjson.ConfigModule{Variables: map[string]*tfjson.ConfigVariable{
			"db_password": {Sensitive: true}, "name": {},
		}}},
	}
	in := Input{Plan: plan, Changes: Changes(plan)}.normalized()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secret) {
		t.Errorf("a sensitive value reached the input document:\n%s", b)
	}
	if !strings.Contains(string(b), `"name":"a"`) {
		t.Error("values that are not sensitive were masked too")
	}
	if plan.ResourceChanges[0].Change.After.(map[string]any)["password"] != secret {
		t.Error("masking modified the caller's plan")
	}
}
