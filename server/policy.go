package server

import (
	"encoding/json"
	"fmt"

	"github.com/csocbot/csocbot/server/workflow/policycheck"
	"github.com/csocbot/csocbot/store"
)

// storedPolicy reads the unit results of the runs at one head.
func storedPolicy(runs []store.Run) (map[string]*policycheck.UnitResults, error) {
	out := map[string]*policycheck.UnitResults{}
	for _, r := range runs {
		if r.Policy == nil {
			continue
		}
		var up policycheck.UnitResults
		if err := json.Unmarshal(r.Policy, &up); err != nil {
			return nil, fmt.Errorf("read the policy results of %s: %w", r.Unit, err)
		}
		out[r.Unit] = &up
	}
	return out, nil
}
