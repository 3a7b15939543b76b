package policy

import (
	"encoding/json"

	tfjson "github.com/hashicorp/terraform-json"
)

// maskPlan returns a copy of plan in which every value Terraform marks as
// sensitive is Sensitive: in resource changes and drift, output changes,
// planned values, prior state and root variables declared sensitive. Rules
// see the plan as the reviewers do, so a rule that quotes a value in its
// message cannot put a secret in a pull request comment. The plan itself is
// not modified.
func maskPlan(plan *tfjson.Plan) *tfjson.Plan {
	if plan == nil {
		return nil
	}
	cp := *plan
	cp.ResourceChanges = maskResourceChanges(plan.ResourceChanges)
	cp.ResourceDrift = maskResourceChanges(plan.ResourceDrift)
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
