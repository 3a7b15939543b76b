package workflow

import (
	"testing"

	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/workflow/policycheck"
)

func TestPolicyVerdictStatus(t *testing.T) {
	sets := []policy.Set{{Name: "gen3", Approvals: 2}, {Name: "strict", Approvals: 0}}
	deny := func(set string) policy.Result {
		return policy.Result{Set: set, Rule: "r", Kind: policy.Deny, Message: "no"}
	}
	warn := policy.Result{Set: "gen3", Rule: "r", Kind: policy.Warn, Message: "hm"}
	evalErr := policy.Result{Set: "strict", Kind: policy.Error, Message: "timed out"}
	tests := []struct {
		name      string
		units     map[string]*policycheck.UnitResults
		approvals map[string][]string
		state     State
		desc      string
	}{
		{"nothing checked", map[string]*policycheck.UnitResults{}, nil, Success, "No policy set applies to the planned units"},
		{"all pass", map[string]*policycheck.UnitResults{"a": {Results: []policy.Result{}}, "b": {Results: []policy.Result{warn}}}, nil,
			Success, "2 units passed (1 warning)"},
		{"a denial", map[string]*policycheck.UnitResults{"a": {Results: []policy.Result{deny("gen3"), deny("gen3")}}, "b": {Results: []policy.Result{deny("gen3")}}},
			map[string][]string{"gen3": {"alice"}}, Failure, "gen3 fails in 2 units (1 of 2 owner approvals)"},
		{"overridden", map[string]*policycheck.UnitResults{"a": {Results: []policy.Result{deny("gen3"), warn}}},
			map[string][]string{"gen3": {"alice", "bob"}}, Success, "gen3 overridden by alice, bob"},
		{"an evaluation error cannot be overridden when the set allows none", map[string]*policycheck.UnitResults{"a": {Results: []policy.Result{evalErr}}},
			map[string][]string{"strict": {"alice"}}, Failure, "strict fails in 1 unit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, desc := PolicyState(policycheck.NewVerdict(tt.units), sets, tt.approvals)
			if state != tt.state || desc != tt.desc {
				t.Errorf("status = %s %q; want %s %q", state, desc, tt.state, tt.desc)
			}
		})
	}
}
