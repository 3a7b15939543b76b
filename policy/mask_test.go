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
		DeferredChanges: []*tfjson.DeferredResourceChange{{Reason: "provider_config_unknown", ResourceChange: &tfjson.ResourceChange{
			Address: "aws_db_instance.b", Change: &tfjson.Change{After: map[string]any{"password": secret}, AfterSensitive: map[string]any{"password": true}},
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
		Config: &tfjson.Config{RootModule: &tfjson.ConfigModule{
			Variables: map[string]*tfjson.ConfigVariable{"db_password": {Sensitive: true, Default: secret}, "name": {}},
			ModuleCalls: map[string]*tfjson.ModuleCall{"db": {Source: "./db", Module: &tfjson.ConfigModule{
				Variables: map[string]*tfjson.ConfigVariable{"master": {Sensitive: true, Default: secret}, "name": {Default: "a"}},
			}}},
		}},
	}
	in := Input{Plan: plan, Changes: Changes(plan)}
	v, err := toValue(in)
	if err != nil {
		t.Fatal(err)
	}
	doc := v.String()
	if strings.Contains(doc, secret) {
		t.Errorf("a sensitive value reached the input document:\n%s", doc)
	}
	if !strings.Contains(doc, `"name": "a"`) || !strings.Contains(doc, `"default": "a"`) {
		t.Error("values that are not sensitive were masked too")
	}
	ref, err := json.Marshal(jsonDocument(in))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(ref), secret) {
		t.Errorf("the reference masking let a sensitive value through:\n%s", ref)
	}
	if plan.ResourceChanges[0].Change.After.(map[string]any)["password"] != secret {
		t.Error("masking modified the caller's plan")
	}
}

// jsonDocument is the input document in its JSON form, as INPUT.md
// documents it: the reference toValue is checked against.
func jsonDocument(in Input) Input {
	in = in.withDefaults()
	in.Plan = maskPlan(in.Plan)
	return in
}

// maskPlan is the reference for the masking done while converting: a copy
// of plan in which every value Terraform marks as sensitive is Sensitive.
func maskPlan(plan *tfjson.Plan) *tfjson.Plan {
	if plan == nil {
		return nil
	}
	cp := *plan
	cp.ResourceChanges = maskResourceChanges(plan.ResourceChanges)
	cp.ResourceDrift = maskResourceChanges(plan.ResourceDrift)
	if plan.DeferredChanges != nil {
		cp.DeferredChanges = make([]*tfjson.DeferredResourceChange, len(plan.DeferredChanges))
		for i, d := range plan.DeferredChanges {
			if d != nil && d.ResourceChange != nil {
				masked := *d
				masked.ResourceChange = maskResourceChanges([]*tfjson.ResourceChange{d.ResourceChange})[0]
				d = &masked
			}
			cp.DeferredChanges[i] = d
		}
	}
	if plan.OutputChanges != nil {
		cp.OutputChanges = make(map[string]*tfjson.Change, len(plan.OutputChanges))
		for name, c := range plan.OutputChanges {
			cp.OutputChanges[name] = maskChange(c)
		}
	}
	cp.PlannedValues = maskValues(plan.PlannedValues)
	if plan.PriorState != nil {
		prior := *plan.PriorState
		prior.Values = maskValues(plan.PriorState.Values)
		cp.PriorState = &prior
	}
	if plan.Config != nil {
		cfg := *plan.Config
		cfg.RootModule = maskConfigModule(plan.Config.RootModule)
		cp.Config = &cfg
	}
	if plan.Variables != nil {
		sensitive := map[string]bool{}
		if c := plan.Config; c != nil && c.RootModule != nil {
			for name, v := range c.RootModule.Variables {
				sensitive[name] = v != nil && v.Sensitive
			}
		}
		cp.Variables = make(map[string]*tfjson.PlanVariable, len(plan.Variables))
		for name, v := range plan.Variables {
			if v != nil && sensitive[name] && v.Value != nil {
				v = &tfjson.PlanVariable{Value: Sensitive}
			}
			cp.Variables[name] = v
		}
	}
	return &cp
}

// maskConfigModule copies a module of the configuration with the defaults
// of its sensitive variables masked, and its module calls' modules.
func maskConfigModule(m *tfjson.ConfigModule) *tfjson.ConfigModule {
	if m == nil {
		return nil
	}
	cp := *m
	if m.Variables != nil {
		cp.Variables = make(map[string]*tfjson.ConfigVariable, len(m.Variables))
		for name, v := range m.Variables {
			if v != nil && v.Sensitive && v.Default != nil {
				masked := *v
				masked.Default = Sensitive
				v = &masked
			}
			cp.Variables[name] = v
		}
	}
	if m.ModuleCalls != nil {
		cp.ModuleCalls = make(map[string]*tfjson.ModuleCall, len(m.ModuleCalls))
		for name, call := range m.ModuleCalls {
			if call != nil {
				callCopy := *call
				callCopy.Module = maskConfigModule(call.Module)
				call = &callCopy
			}
			cp.ModuleCalls[name] = call
		}
	}
	return &cp
}

func maskResourceChanges(rcs []*tfjson.ResourceChange) []*tfjson.ResourceChange {
	if rcs == nil {
		return nil
	}
	out := make([]*tfjson.ResourceChange, len(rcs))
	for i, rc := range rcs {
		if rc == nil {
			continue
		}
		c := *rc
		c.Change = maskChange(rc.Change)
		out[i] = &c
	}
	return out
}

func maskChange(ch *tfjson.Change) *tfjson.Change {
	if ch == nil {
		return nil
	}
	c := *ch
	c.Before = mask(ch.Before, ch.BeforeSensitive)
	c.After = mask(ch.After, ch.AfterSensitive)
	return &c
}

func maskValues(v *tfjson.StateValues) *tfjson.StateValues {
	if v == nil {
		return nil
	}
	cp := *v
	if v.Outputs != nil {
		cp.Outputs = make(map[string]*tfjson.StateOutput, len(v.Outputs))
		for name, o := range v.Outputs {
			if o != nil && o.Sensitive && o.Value != nil {
				masked := *o
				masked.Value = Sensitive
				o = &masked
			}
			cp.Outputs[name] = o
		}
	}
	cp.RootModule = maskModule(v.RootModule)
	return &cp
}

func maskModule(m *tfjson.StateModule) *tfjson.StateModule {
	if m == nil {
		return nil
	}
	cp := *m
	cp.Resources = make([]*tfjson.StateResource, len(m.Resources))
	for i, r := range m.Resources {
		if r == nil || len(r.SensitiveValues) == 0 {
			cp.Resources[i] = r
			continue
		}
		var sens any
		if err := json.Unmarshal(r.SensitiveValues, &sens); err != nil {
			// Unreadable sensitivity: hide every value rather than guess.
			sens = true
		}
		masked := *r
		if v, ok := mask(map[string]any(r.AttributeValues), sens).(map[string]any); ok {
			masked.AttributeValues = v
		} else { // the whole resource is sensitive
			masked.AttributeValues = make(map[string]any, len(r.AttributeValues))
			for k := range r.AttributeValues {
				masked.AttributeValues[k] = Sensitive
			}
		}
		cp.Resources[i] = &masked
	}
	cp.ChildModules = make([]*tfjson.StateModule, len(m.ChildModules))
	for i, c := range m.ChildModules {
		cp.ChildModules[i] = maskModule(c)
	}
	return &cp
}
