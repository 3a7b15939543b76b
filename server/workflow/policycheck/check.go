package policycheck

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/csocbot/csocbot/planner/comment"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/policy"
)

// UnitResults is what the policy sets said about one unit.
type UnitResults struct {
	// Moment is "pre-plan" when only the rules that need no plan ran (the
	// unit was blocked, or its plan failed), "post-plan" when every rule
	// ran on the plan.
	Moment  string          `json:"moment"`
	Results []policy.Result `json:"results"`
}

// Checker runs the policy sets over the units of one plan run: before
// each unit's plan as the engine's gate (Gate), and on each plan afterwards
// (AfterPlan). It is safe for concurrent use, as the engine's gate must be.
type Checker struct {
	policies *policy.Engine
	pr       policy.PR
	files    fs.FS
	place    func(unit string) policy.Unit
	// overridden reports whether a set's failures are overridden (enough
	// owners approved); nil means never.
	overridden func(set string) bool
	log        *slog.Logger

	mu    sync.Mutex
	units map[string]*UnitResults
	// inputs are the units' documents without a plan, built once for
	// both moments: reading a unit's modules parses its Terraform files
	// and fetches remote ones. unreadable holds the units whose modules
	// could not be read: they must not run.
	inputs     map[string]policy.Input
	unreadable map[string]error
	modules    *engine.ModuleReader
}

// Options configure a Checker.
type Options struct {
	// PR is the pull request part of every input.
	PR policy.PR
	// Files is the planned revision's content.
	Files fs.FS
	// Place returns a unit's environment, account, region and tags (Path
	// and Kind are filled in); nil leaves them empty.
	Place func(unit string) policy.Unit
	// Overridden reports whether a set's failures are overridden; nil
	// means never.
	Overridden func(set string) bool
	// Logger receives warnings about incomplete input; nil discards them.
	Logger *slog.Logger
	// Modules reads each unit's modules, fetching remote ones so that
	// the rules judge all the code a unit runs (Engine.ModuleReader); nil
	// reads the repository's code only and lists remote modules unread.
	Modules *engine.ModuleReader
}

// New returns a Checker of the sets loaded in policies.
func New(policies *policy.Engine, opts Options) *Checker {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Overridden == nil {
		opts.Overridden = func(string) bool { return false }
	}
	if opts.Modules == nil {
		opts.Modules = engine.NewLocalModuleReader()
	}
	return &Checker{
		policies: policies, pr: opts.PR, files: opts.Files, place: opts.Place,
		overridden: opts.Overridden, log: opts.Logger, units: map[string]*UnitResults{},
		inputs: map[string]policy.Input{}, unreadable: map[string]error{}, modules: opts.Modules,
	}
}

// Input is the document for unit u, without a plan. The error is set when
// the unit's modules could not be read (an *UnreadableError): the unit
// must not run.
func (c *Checker) Input(ctx context.Context, u detect.Unit) (policy.Input, error) {
	c.mu.Lock()
	in, ok := c.inputs[u.Path]
	err := c.unreadable[u.Path]
	c.mu.Unlock()
	if ok {
		return in, err
	}
	in, err = c.newInput(ctx, u)
	c.mu.Lock()
	c.inputs[u.Path], c.unreadable[u.Path] = in, err
	c.mu.Unlock()
	return in, err
}

func (c *Checker) newInput(ctx context.Context, u detect.Unit) (policy.Input, error) {
	var unit policy.Unit
	if c.place != nil {
		unit = c.place(u.Path)
	}
	unit.Path, unit.Kind = u.Path, string(u.Kind)
	in := policy.Input{Version: policy.InputVersion, PR: c.pr, Unit: unit}
	cfg, err := ConfigOf(ctx, c.modules, c.files, u.Path, u.Config)
	in.Config = cfg
	var unreadable *UnreadableError
	if errors.As(err, &unreadable) {
		return in, err
	}
	if err != nil {
		// The rules see what could be read; terraform reports the file
		// that does not parse when the unit is planned.
		c.log.Warn("policy input is incomplete", "unit", u.Path, "error", err)
	}
	return in, nil
}

// evaluate runs the sets at moment m and keeps the results for the unit,
// unless no set applies to it.
func (c *Checker) evaluate(ctx context.Context, in policy.Input, m policy.Moment) []policy.Result {
	applies := slices.ContainsFunc(c.policies.Sets(), func(s policy.Set) bool { return s.AppliesTo(in.PR.Repo, in.Unit.Environment) })
	if !applies {
		return nil
	}
	results, err := c.policies.Evaluate(ctx, in, m)
	if err != nil {
		// Never a pass: every set that applies fails with the reason.
		results = nil
		for _, set := range c.policies.Sets() {
			if set.AppliesTo(in.PR.Repo, in.Unit.Environment) {
				results = append(results, policy.Result{Set: set.Name, Kind: policy.Error,
					Message: fmt.Sprintf("policy input could not be evaluated: %v; counted as a failure", err)})
			}
		}
	}
	if results == nil {
		results = []policy.Result{}
	}
	c.mu.Lock()
	c.units[in.Unit.Path] = &UnitResults{Moment: m.String(), Results: results}
	c.mu.Unlock()
	return results
}

// Gate is the engine's Request.Gate: the rules that need no plan run
// before anything of the unit does, and a failure that is not overridden
// blocks it.
func (c *Checker) Gate(ctx context.Context, u detect.Unit) error {
	in, err := c.Input(ctx, u)
	if err != nil {
		// Code the rules cannot see is never run.
		return fmt.Errorf("reading the unit's modules for policy: %w", err)
	}
	var failing []string
	for _, r := range c.evaluate(ctx, in, policy.PrePlan) {
		if r.Blocking() && !c.overridden(r.Set) && !slices.Contains(failing, r.Set) {
			failing = append(failing, r.Set)
		}
	}
	if len(failing) == 0 {
		return nil
	}
	return fmt.Errorf("%w by policy set %s", engine.ErrBlocked, strings.Join(failing, ", "))
}

// AfterPlan runs every rule on each unit of run that has a plan; units
// are the units the run planned.
func (c *Checker) AfterPlan(ctx context.Context, units []detect.Unit, run *engine.Run) {
	byPath := map[string]detect.Unit{}
	for _, u := range units {
		byPath[u.Path] = u
	}
	for _, res := range run.Results {
		if res.Plan == nil || (res.Status != engine.Planned && res.Status != engine.NoChanges) {
			continue
		}
		in, err := c.Input(ctx, byPath[res.Path])
		if err != nil {
			continue // the gate stopped it; it cannot have a plan
		}
		in.Plan, in.Changes = res.Plan, policy.Changes(res.Plan)
		c.evaluate(ctx, in, policy.PostPlan)
	}
}

// Of returns the unit's results, nil when no set was evaluated for it.
func (c *Checker) Of(unit string) *UnitResults {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.units[unit]
}

// All returns every unit's results, by unit path.
func (c *Checker) All() map[string]*UnitResults {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]*UnitResults, len(c.units))
	for k, v := range c.units {
		out[k] = v
	}
	return out
}

// AddToReport puts each unit's results into the plan report.
func (c *Checker) AddToReport(rep *comment.Report) {
	for i := range rep.Units {
		ur := c.Of(rep.Units[i].Path)
		if ur == nil {
			continue
		}
		rep.Units[i].Policy = []comment.PolicyResult{}
		for _, r := range ur.Results {
			rep.Units[i].Policy = append(rep.Units[i].Policy, comment.PolicyResult{
				Set: r.Set, Rule: r.Rule, Kind: string(r.Kind), Message: r.Message,
				Overridden: r.Blocking() && c.overridden(r.Set),
			})
		}
	}
}

// Verdict sums up policy results over the units of a pull request head.
type Verdict struct {
	// Failing maps each set with blocking results to the units it fails,
	// sorted.
	Failing map[string][]string
	// Warnings counts warn results, Units the units checked.
	Warnings, Units int
}

// NewVerdict sums up units' results.
func NewVerdict(units map[string]*UnitResults) Verdict {
	v := Verdict{Failing: map[string][]string{}}
	paths := make([]string, 0, len(units))
	for p := range units {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		v.Units++
		for _, r := range units[p].Results {
			switch {
			case !r.Blocking():
				v.Warnings++
			case !slices.Contains(v.Failing[r.Set], p):
				v.Failing[r.Set] = append(v.Failing[r.Set], p)
			}
		}
	}
	return v
}

// Sets returns the failing sets, sorted.
func (v Verdict) Sets() []string {
	out := make([]string, 0, len(v.Failing))
	for s := range v.Failing {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
