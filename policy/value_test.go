package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/open-policy-agent/opa/v1/ast"
)

// jsonValue is the input document through its JSON text, the reference
// for toValue.
func jsonValue(in Input) (ast.Value, error) {
	b, err := json.Marshal(jsonDocument(in))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	return ast.InterfaceToValue(doc)
}

// richPlanJSON uses every part of a plan that carries values or
// sensitivity, and numbers and strings encoding/json writes in its own way.
const richPlanJSON = `{
 "format_version": "1.2", "terraform_version": "1.9.8", "timestamp": "2024-10-01T12:00:00Z", "complete": true,
 "variables": {"db_password": {"value": "hunter2"}, "name": {"value": "gen3"}, "unset_secret": {}, "sizes": {"value": [1, 2.5, 1e21, 1e-7]}},
 "planned_values": {
  "outputs": {"pw": {"sensitive": true, "value": "hunter2", "type": "string"}, "n": {"sensitive": false, "value": 3, "type": "number"}},
  "root_module": {
   "resources": [
    {"address": "aws_db_instance.a", "mode": "managed", "type": "aws_db_instance", "name": "a", "provider_name": "registry.terraform.io/hashicorp/aws",
     "schema_version": 2, "values": {"password": "hunter2", "port": 5432, "tags": {"k": "v"}}, "sensitive_values": {"password": true, "tags": {}}},
    {"address": "aws_ssm_parameter.p", "mode": "managed", "type": "aws_ssm_parameter", "name": "p", "index": "x",
     "schema_version": 0, "values": {"value": "hunter2", "name": "p"}, "sensitive_values": true},
    {"address": "aws_ssm_parameter.q", "mode": "managed", "type": "aws_ssm_parameter", "name": "q", "index": 0,
     "schema_version": 0, "values": {"value": "hunter2"}, "sensitive_values": "unreadable"}
   ],
   "child_modules": [{"address": "module.m", "resources": [
    {"address": "module.m.aws_iam_role.r", "mode": "managed", "type": "aws_iam_role", "name": "r", "schema_version": 0,
     "values": {"assume_role_policy": "{\"Statement\":[]}", "list": ["a", "hunter2"]}, "sensitive_values": {"list": [false, true]}, "depends_on": ["x"]}]}]
  }
 },
 "resource_changes": [
  {"address": "aws_db_instance.a", "mode": "managed", "type": "aws_db_instance", "name": "a", "provider_name": "registry.terraform.io/hashicorp/aws",
   "action_reason": "replace_because_cannot_update",
   "change": {"actions": ["delete", "create"], "before": {"password": "old", "port": 5432, "ratio": 0.1, "big": 123456789012345678, "neg": -0.0},
    "after": {"password": "hunter2", "port": 5433, "nested": [{"secret": "hunter2", "ok": "<b>&</b>"}], "null": null},
    "after_unknown": {"id": true}, "before_sensitive": {"password": true}, "after_sensitive": {"password": true, "nested": [{"secret": true}], "null": true},
    "importing": {"id": "db-1"}}},
  {"address": "aws_ssm_parameter.p[\"x\"]", "mode": "managed", "type": "aws_ssm_parameter", "name": "p", "index": "x",
   "change": {"actions": ["create"], "before": null, "after": "whole", "after_unknown": false, "before_sensitive": false, "after_sensitive": true}},
  {"address": "data.aws_caller_identity.me", "mode": "data", "type": "aws_caller_identity", "name": "me",
   "change": {"actions": ["read"], "before": null, "after": {"account_id": "123456789012"}, "after_unknown": {}}},
  {"address": "module.m.aws_iam_role.r", "module_address": "module.m", "mode": "managed", "type": "aws_iam_role", "name": "r", "index": 0,
   "change": {"actions": ["no-op"], "before": {"list": ["a", "hunter2"]}, "after": {"list": ["a", "hunter2"]}, "before_sensitive": {"list": [false, true]}, "after_sensitive": {"list": [false, true]}}}
 ],
 "resource_drift": [
  {"address": "aws_db_instance.a", "mode": "managed", "type": "aws_db_instance", "name": "a",
   "change": {"actions": ["update"], "before": {"password": "old"}, "after": {"password": "hunter2"}, "before_sensitive": {"password": true}, "after_sensitive": {"password": true}}}
 ],
 "deferred_changes": [
  {"reason": "provider_config_unknown", "resource_change": {"address": "aws_db_instance.d", "mode": "managed", "type": "aws_db_instance", "name": "d",
   "change": {"actions": ["create"], "after": {"password": "hunter2"}, "after_sensitive": {"password": true}}}}
 ],
 "output_changes": {
  "pw": {"actions": ["create"], "before": null, "after": "hunter2", "after_unknown": false, "before_sensitive": false, "after_sensitive": true},
  "n": {"actions": ["no-op"], "before": 3, "after": 3}
 },
 "prior_state": {"format_version": "1.0", "terraform_version": "1.9.8", "values": {
  "outputs": {"pw": {"sensitive": true, "value": "old", "type": "string"}},
  "root_module": {"resources": [{"address": "aws_db_instance.a", "mode": "managed", "type": "aws_db_instance", "name": "a", "schema_version": 2,
   "values": {"password": "old"}, "sensitive_values": {"password": true}}]}}},
 "configuration": {
  "provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws", "expressions": {"region": {"constant_value": "us-east-1"}}}},
  "root_module": {
   "outputs": {"pw": {"sensitive": true, "expression": {"references": ["var.db_password"]}}},
   "resources": [{"address": "aws_db_instance.a", "mode": "managed", "type": "aws_db_instance", "name": "a", "provider_config_key": "aws",
    "expressions": {"password": {"references": ["var.db_password"]}, "port": {"constant_value": 5433},
     "ingress": [{"cidr_blocks": {"constant_value": ["0.0.0.0/0"]}}]}, "schema_version": 2, "count_expression": {"constant_value": 1}}],
   "module_calls": {"m": {"source": "./m", "module": {"resources": []}}},
   "variables": {"db_password": {"sensitive": true}, "name": {"default": "gen3", "description": "the name"}}
  }
 },
 "relevant_attributes": [{"resource": "aws_db_instance.a", "attribute": ["password"]}, {"resource": "module.m.aws_iam_role.r", "attribute": ["list", 1]}],
 "checks": [{"address": {"kind": "resource", "to_display": "aws_db_instance.a", "mode": "managed", "type": "aws_db_instance", "name": "a"}, "status": "pass",
  "instances": [{"address": {"to_display": "aws_db_instance.a"}, "status": "pass"}]}]
}`

func richPlan(t *testing.T, useNumber bool) *tfjson.Plan {
	t.Helper()
	var p tfjson.Plan
	p.UseJSONNumber(useNumber)
	if err := json.Unmarshal([]byte(richPlanJSON), &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

type tagged struct {
	Name    string  `json:"name"`
	Skipped string  `json:"-"`
	Empty   string  `json:"empty,omitempty"`
	Ptr     *int    `json:"ptr"`
	Plain   float32 // no tag: the field name
	private int
}

// TestValueEqualsJSON checks that toValue builds the document its JSON
// form gives, number texts included.
func TestValueEqualsJSON(t *testing.T) {
	withPlan := func(p *tfjson.Plan) Input {
		in := sampleInput()
		in.Plan, in.Changes = p, Changes(p)
		return in
	}
	edited := withPlan(richPlan(t, false))
	edited.Changes[0].After = map[string]any{"password": "other"} // no longer the plan's
	edited.Changes[3].Before = mask(edited.Plan.ResourceChanges[3].Change.Before, map[string]any{})
	seven := 7
	odd := sampleInput()
	odd.PR.Author = "bad\xffutf8 \u2028 <script>"
	odd.Config.Inputs = map[string]any{
		"int": 3, "int64": int64(-9), "uint": uint64(math.MaxUint64), "float32": float32(0.1), "float32 int": float32(123456789), "float32s": []float32{1e20, 1e-7, 3}, "floats": []float64{1e21, 1e20, 1e-6, 1e-7, -0.0, 0.5},
		"strings": []string{"a", "b"}, "map": map[string]int{"a": 1}, "tagged": tagged{Name: "n", Skipped: "s", Ptr: &seven, Plain: 2.5, private: 1},
		"bytes": []byte("hi"), "time": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), "nil map": map[string]any(nil), "nil list": []any(nil),
		"number": json.Number("1.50"), "int keys": map[int]string{1: "a"}, "bad keys": map[string]any{"bad\xffkey": "v"}, "array": [2]bool{true, false},
	}
	odd.Changes = []Change{{Address: "x", Before: map[string]any(nil), After: []any{}, AfterUnknown: map[string]any{}}}
	odd.Plan = &tfjson.Plan{ResourceChanges: []*tfjson.ResourceChange{{Address: "x", Change: &tfjson.Change{
		After: map[string]any{"bad\xffkey": 1, "password": "hunter2"}, AfterSensitive: map[string]any{"password": true},
	}}}}
	tests := []struct {
		name string
		in   Input
	}{
		{"documented example", fullInput(t)},
		{"empty", Input{}},
		{"pre-plan", sampleInput()},
		{"plan without changes", Input{Plan: &tfjson.Plan{FormatVersion: "1.2"}}},
		{"rich plan", withPlan(richPlan(t, false))},
		{"rich plan with json.Number", withPlan(richPlan(t, true))},
		{"changes edited after Changes", edited},
		{"nil resource change", withPlan(&tfjson.Plan{ResourceChanges: []*tfjson.ResourceChange{nil, {Address: "a"}, nil, {Address: "b", Change: &tfjson.Change{After: "x"}}}})},
		{"library plan", withPlan(libraryPlan(t, 200))},
		{"odd Go values", odd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := jsonValue(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := toValue(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if err := sameDoc(got, want, "input"); err != nil {
				t.Error(err)
			}
		})
	}
}

// sameDoc reports where a and b differ, comparing numbers by their text.
func sameDoc(a, b ast.Value, at string) error {
	switch x := a.(type) {
	case ast.Object:
		y, ok := b.(ast.Object)
		if !ok || x.Len() != y.Len() {
			return fmt.Errorf("%s: %v\nwant %v", at, a, b)
		}
		for _, k := range x.Keys() {
			yv := y.Get(k)
			if yv == nil {
				return fmt.Errorf("%s: unexpected key %v", at, k)
			}
			if err := sameDoc(x.Get(k).Value, yv.Value, at+"."+k.String()); err != nil {
				return err
			}
		}
		return nil
	case *ast.Array:
		y, ok := b.(*ast.Array)
		if !ok || x.Len() != y.Len() {
			return fmt.Errorf("%s: %v\nwant %v", at, a, b)
		}
		for i := range x.Len() {
			if err := sameDoc(x.Elem(i).Value, y.Elem(i).Value, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
		return nil
	case ast.Number:
		if y, ok := b.(ast.Number); !ok || string(x) != string(y) {
			return fmt.Errorf("%s: number %s, want %v", at, x, b)
		}
		return nil
	}
	if ast.Compare(a, b) != 0 {
		return fmt.Errorf("%s: %v, want %v", at, a, b)
	}
	return nil
}

// TestChangesShareValues checks that a change's values are converted once
// for plan.resource_changes and changes.
func TestChangesShareValues(t *testing.T) {
	in := sampleInput()
	in.Plan = richPlan(t, false)
	in.Changes = Changes(in.Plan)
	v, err := toValue(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in.Changes {
		for _, f := range []string{"before", "after", "after_unknown"} {
			plan, err1 := v.Find(ast.MustParseRef(fmt.Sprintf("x.plan.resource_changes[%d].change.%s", i, f))[1:])
			change, err2 := v.Find(ast.MustParseRef(fmt.Sprintf("x.changes[%d].%s", i, f))[1:])
			if err1 != nil || err2 != nil {
				continue // absent from the plan (omitempty)
			}
			switch plan.(type) {
			case ast.Object, *ast.Array:
				if plan != change {
					t.Errorf("changes[%d].%s is converted twice", i, f)
				}
			}
		}
	}
	// The no-op change's after is its before, with or without the plan.
	for _, doc := range []ast.Value{v, mustValue(t, Input{Changes: in.Changes})} {
		before, err1 := doc.Find(ast.MustParseRef("x.changes[3].before")[1:])
		after, err2 := doc.Find(ast.MustParseRef("x.changes[3].after")[1:])
		if err1 != nil || err2 != nil || before != after {
			t.Errorf("the no-op change's after is converted again: %v %v", err1, err2)
		}
	}
}

func mustValue(t *testing.T, in Input) ast.Value {
	t.Helper()
	v, err := toValue(in)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValueErrors(t *testing.T) {
	tests := []struct {
		name   string
		inputs map[string]any
		want   string
	}{
		{"NaN", map[string]any{"x": math.NaN()}, "unsupported value"},
		{"function", map[string]any{"x": func() {}}, "unsupported type"},
		{"bad number", map[string]any{"x": json.Number("1e")}, "invalid number"},
		{"cycle", func() map[string]any { m := map[string]any{}; m["m"] = m; return m }(), "nested deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := sampleInput()
			in.Config.Inputs = tt.inputs
			_, err := toValue(in)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "inputs") {
				t.Errorf("err = %v, want one naming the field and containing %q", err, tt.want)
			}
			if _, err := json.Marshal(in.Config.Inputs); err == nil {
				t.Error("encoding/json accepts it")
			}
		})
	}
}
