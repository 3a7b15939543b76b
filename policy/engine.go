package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Rule-file convention
//
// A policy set is a server-side folder. Every *.rego file in it (not in
// sub-folders, and not *_test.rego) is loaded. A rule is a package named
// `csocbot.<rule>` defining `deny` and/or `warn` as sets of messages:
//
//	package csocbot.no_prod_deletes
//
//	deny contains msg if {
//		some c in input.changes
//		"delete" in c.actions
//		msg := sprintf("%s would be deleted", [c.address])
//	}
//
// Several files may make up one rule (same package) and one set holds any
// number of rules. Packages outside `csocbot.<rule>` (e.g. `csocbot.lib` with
// no deny/warn, `csocbot.<rule>.<sub>`, or any other package) are helpers:
// they are compiled with the set but produce no results themselves. A
// message is a string; any other value is reported as its JSON text, except
// an object with a string "msg" field, which reports that field.
//
// Data: a set folder may also hold data.json and/or data.yaml, each an
// object; merged (objects merge, other values may be set by one file only),
// they are OPA base data rules read under data. The bundled library reads its
// allowlists this way, e.g. {"csocbot_allow": {"untrusted_code_units":
// ["live/x"]}} makes data.csocbot_allow.untrusted_code_units available. A key
// that is the first name of a rule package (csocbot) is refused. Instead of a
// folder, a set may be an OPA bundle (a .tar.gz, as `opa build` writes it):
// its rule files, wherever in the bundle and tests left out, and its data
// files, merged at their folders' paths. Edits of data files and bundles are
// picked up by ReloadIfChanged like edits of rule files; a data file that
// cannot be read fails the set with an error naming the file.
//
// Moments: a rule runs before the plan (PrePlan) unless it, or anything it
// references through data (helper rules and functions, transitively), refers
// to input.plan, input.changes or input.changes_by_type, or to the whole
// input document or an input key chosen at runtime (which could be any of
// them). This is decided by walking the compiled AST, so no annotation is
// needed. Every rule runs after the plan (PostPlan).

const (
	rootPackage = "csocbot"
	// DefaultTimeout is the time one set's evaluation may take.
	DefaultTimeout = 5 * time.Second
)

// Set is one policy set: a server-side folder of rule files and who may
// override its denials.
type Set struct {
	Name string
	// Dir is the folder of the set's rule and data files, or its OPA bundle
	// file (.tar.gz).
	Dir string
	// Owners are GitHub users, Teams "org/team" slugs, whose approvals
	// count towards overriding a denial of this set.
	Owners []string
	Teams  []string
	// Approvals is the number of owner approvals needed to override.
	Approvals int
	// AuthorMayApprove says whether the PR author's own approval counts.
	AuthorMayApprove bool
	// Repos ("owner/name") and Environments restrict where the set applies;
	// empty means everywhere. Entries are path.Match patterns ("gen3/*").
	Repos, Environments []string
}

// AppliesTo reports whether the set applies to a repository and environment.
func (s Set) AppliesTo(repo, environment string) bool {
	return matchAny(s.Repos, repo) && matchAny(s.Environments, environment)
}

func matchAny(patterns []string, v string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, err := path.Match(p, v); (err == nil && ok) || p == v {
			return true
		}
	}
	return false
}

// Moment is when rules are evaluated.
type Moment int

const (
	// PrePlan runs only the rules that need no plan (see the convention).
	PrePlan Moment = iota
	// PostPlan runs every rule.
	PostPlan
)

func (m Moment) String() string {
	if m == PrePlan {
		return "pre-plan"
	}
	return "post-plan"
}

// Kind is the kind of a Result.
type Kind string

const (
	// Deny blocks the apply.
	Deny Kind = "deny"
	// Warn is shown and does not block.
	Warn Kind = "warn"
	// Error means the set could not be evaluated (compile error after a
	// reload, runtime error, timeout). It blocks like Deny.
	Error Kind = "error"
)

// Result is one message produced by evaluating a set.
type Result struct {
	Set string `json:"set"`
	// Rule is the rule name, or "" when an error cannot be tied to a rule.
	Rule    string `json:"rule"`
	Kind    Kind   `json:"kind"`
	Message string `json:"message"`
}

// Blocking reports whether the result blocks the apply (deny or error).
func (r Result) Blocking() bool { return r.Kind != Warn }

// Option configures an Engine.
type Option func(*Engine)

// WithTimeout sets how long each set's evaluation may take (DefaultTimeout
// otherwise). Expiry yields an Error result for the set.
func WithTimeout(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.timeout = d
		}
	}
}

// WithObserver has f told how long each Evaluate took, for metrics; the
// policy package itself stays free of any metrics library.
func WithObserver(f func(Moment, time.Duration)) Option {
	return func(e *Engine) { e.observe = f }
}

// Engine holds the prepared queries of every set. It is safe for concurrent
// use; Evaluate reloads sets whose files changed.
type Engine struct {
	timeout time.Duration
	observe func(Moment, time.Duration) // nil: nobody is told

	mu   sync.RWMutex
	sets []*compiledSet
}

type compiledSet struct {
	set   Set
	files fileState
	err   error // compile error after a reload; the set then yields Error
	rules []string
	// byFile maps a rule file's path to its rule, to name rules in errors.
	byFile map[string]string
	// queries[moment] yield the deny and warn messages of the rules that
	// run at that moment, one query per group of rules evaluated in
	// parallel; none when no rule runs then.
	queries [2][]*rego.PreparedEvalQuery
	// readsPlan says whether a rule may read input.plan; see Evaluate.
	readsPlan bool
}

// Load reads and compiles every set. It fails if any set cannot be read or
// compiled, or if two sets share a name.
func Load(ctx context.Context, sets []Set, opts ...Option) (*Engine, error) {
	e := &Engine{timeout: DefaultTimeout}
	for _, o := range opts {
		o(e)
	}
	seen := map[string]bool{}
	for _, s := range sets {
		if s.Name == "" {
			return nil, fmt.Errorf("policy set in %s has no name", s.Dir)
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("policy set %q is defined twice", s.Name)
		}
		seen[s.Name] = true
		files, err := readState(s.Dir, nil)
		if err != nil {
			return nil, fmt.Errorf("policy set %q: %w", s.Name, err)
		}
		cs, err := compileSet(ctx, s, files)
		if err != nil {
			return nil, fmt.Errorf("policy set %q: %w", s.Name, err)
		}
		e.sets = append(e.sets, cs)
	}
	return e, nil
}

// Sets returns the sets the engine was loaded with.
func (e *Engine) Sets() []Set {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Set, len(e.sets))
	for i, cs := range e.sets {
		out[i] = cs.set
	}
	return out
}

// ReloadIfChanged recompiles every set whose rule files changed (added,
// removed, or different size, mtime and content). A set that no longer
// compiles keeps no queries and yields an Error result on every evaluation
// until it is fixed; its error is also returned. It reports whether any set
// was recompiled.
func (e *Engine) ReloadIfChanged(ctx context.Context) (bool, error) {
	e.mu.RLock()
	cur := slices.Clone(e.sets)
	e.mu.RUnlock()

	var errs []error
	changed := false
	next := make([]*compiledSet, len(cur))
	for i, cs := range cur {
		next[i] = cs
		files, err := readState(cs.set.Dir, cs.files)
		if err == nil && files.equal(cs.files) {
			continue
		}
		changed = true
		var ncs *compiledSet
		if err == nil {
			ncs, err = compileSet(ctx, cs.set, files)
		}
		if err != nil {
			err = fmt.Errorf("policy set %q: %w", cs.set.Name, err)
			errs = append(errs, err)
			ncs = &compiledSet{set: cs.set, files: files, err: err}
		}
		next[i] = ncs
	}
	if !changed {
		return false, nil
	}
	e.mu.Lock()
	// Only replace sets nobody else reloaded meanwhile.
	for i := range e.sets {
		if i < len(cur) && e.sets[i] == cur[i] {
			e.sets[i] = next[i]
		}
	}
	e.mu.Unlock()
	return true, errors.Join(errs...)
}

// Evaluate runs every applicable set against in at moment m. It first
// reloads sets whose files changed. The input is converted to OPA's value
// form once. Each set gets its own timeout; a set that fails to evaluate
// yields one Error result naming it, never a pass. Results are ordered by
// set (load order), then rule, kind and message. The error is non-nil only
// when the input itself cannot be converted.
func (e *Engine) Evaluate(ctx context.Context, in Input, m Moment) ([]Result, error) {
	if m != PrePlan && m != PostPlan {
		return nil, fmt.Errorf("unknown policy moment %d", m)
	}
	if e.observe != nil {
		defer func(start time.Time) { e.observe(m, time.Since(start)) }(time.Now())
	}
	// A failed recompile is reported through the set's Error result.
	_, _ = e.ReloadIfChanged(ctx)

	e.mu.RLock()
	var sets []*compiledSet
	readsPlan := false
	for _, cs := range e.sets {
		if cs.set.AppliesTo(in.PR.Repo, in.Unit.Environment) {
			sets = append(sets, cs)
			readsPlan = readsPlan || cs.readsPlan
		}
	}
	e.mu.RUnlock()

	// Converting the plan is much of the work, and no rule that runs can
	// tell it is missing unless it reads input.plan: pre-plan rules and
	// rules that read only input.changes see it null.
	if m == PrePlan || !readsPlan {
		in.Plan = nil
	}
	value, err := toValue(in)
	if err != nil {
		return nil, fmt.Errorf("converting policy input: %w", err)
	}
	var out []Result
	for _, cs := range sets {
		out = append(out, e.evalSet(ctx, cs, value, m)...)
	}
	return out, nil
}

func (e *Engine) evalSet(ctx context.Context, cs *compiledSet, input ast.Value, m Moment) []Result {
	if cs.err != nil {
		return []Result{{Set: cs.set.Name, Kind: Error, Message: fmt.Sprintf("policy set could not be loaded: %v", cs.err)}}
	}
	qs := cs.queries[m]
	if len(qs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()

	rs, err := evalGroups(ctx, qs, input)
	if err != nil {
		return []Result{cs.failure(ctx, err, e.timeout)}
	}
	out := make([]Result, 0, len(rs))
	for _, r := range rs {
		rule, _ := r.Bindings["rule"].(string)
		kind, _ := r.Bindings["kind"].(string)
		out = append(out, Result{Set: cs.set.Name, Rule: rule, Kind: Kind(kind), Message: message(r.Bindings["msg"])})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Message < b.Message
	})
	return out
}

// evalGroups evaluates the queries of a set in parallel. The first error
// stops the others.
func evalGroups(ctx context.Context, qs []*rego.PreparedEvalQuery, input ast.Value) (rego.ResultSet, error) {
	if len(qs) == 1 {
		return qs[0].Eval(ctx, rego.EvalParsedInput(input))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]rego.ResultSet, len(qs))
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for i, q := range qs {
		wg.Go(func() {
			rs, err := q.Eval(ctx, rego.EvalParsedInput(input))
			if err != nil {
				once.Do(func() { first = err; cancel() })
			}
			results[i] = rs
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return slices.Concat(results...), nil
}

func (cs *compiledSet) failure(ctx context.Context, err error, timeout time.Duration) Result {
	r := Result{Set: cs.set.Name, Kind: Error}
	var te *topdown.Error
	if errors.As(err, &te) && te.Location != nil {
		r.Rule = cs.byFile[te.Location.File]
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		r.Message = fmt.Sprintf("policy set timed out after %s; counted as a failure", timeout)
	case ctx.Err() != nil:
		r.Message = fmt.Sprintf("policy evaluation cancelled (%v); counted as a failure", ctx.Err())
	default:
		r.Message = fmt.Sprintf("policy failed to evaluate: %v; counted as a failure", err)
	}
	return r
}

func message(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if s, ok := x["msg"].(string); ok {
			return s
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func compileSet(ctx context.Context, s Set, files fileState) (*compiledSet, error) {
	src, err := readSources(s.Dir, files)
	if err != nil {
		return nil, err
	}
	cs := &compiledSet{set: s, byFile: map[string]string{}}
	ruleSet := map[string]bool{}
	for name, mod := range src.modules {
		if mod.Package.Path.Equal(ast.DefaultRootRef.Append(ast.StringTerm(rootPackage))) {
			return nil, fmt.Errorf("%s: package %s: rules must be in a package %s.<rule>", name, rootPackage, rootPackage)
		}
		if rule, ok := ruleName(mod.Package.Path); ok && definesResults(mod) {
			ruleSet[rule] = true
			cs.byFile[name] = rule
		}
	}
	// Hash changes after reading (a write between stat and read) are
	// picked up by the next ReloadIfChanged.
	cs.files = files

	compiler := ast.NewCompiler()
	compiler.Compile(src.modules)
	if compiler.Failed() {
		return nil, compiler.Errors
	}
	for r := range ruleSet {
		cs.rules = append(cs.rules, r)
	}
	sort.Strings(cs.rules)

	var pre []string
	needsPlan := newInputRefs(compiler, "plan", "changes", "changes_by_type")
	readsPlan := newInputRefs(compiler, "plan")
	for _, r := range cs.rules {
		pkg := ast.DefaultRootRef.Append(ast.StringTerm(rootPackage)).Append(ast.StringTerm(r))
		if !needsPlan.uses(pkg) {
			pre = append(pre, r)
		}
		cs.readsPlan = cs.readsPlan || readsPlan.uses(pkg)
	}
	store := inmem.NewFromObjectWithOpts(src.data, inmem.OptReturnASTValuesOnRead(true))
	if cs.queries[PostPlan], err = prepareGroups(ctx, compiler, store, cs.rules); err != nil {
		return nil, err
	}
	if cs.queries[PrePlan], err = prepareGroups(ctx, compiler, store, pre); err != nil {
		return nil, err
	}
	return cs, nil
}

// ruleName returns <rule> for a package path data.csocbot.<rule>.
func ruleName(p ast.Ref) (string, bool) {
	if len(p) != 3 || !p[0].Equal(ast.DefaultRootDocument) || !p[1].Equal(ast.StringTerm(rootPackage)) {
		return "", false
	}
	s, ok := p[2].Value.(ast.String)
	return string(s), ok
}

func definesResults(m *ast.Module) bool {
	for _, r := range m.Rules {
		if n := r.Head.Name.String(); n == "deny" || n == "warn" {
			return true
		}
		if len(r.Head.Reference) > 0 {
			if n := r.Head.Reference[0].Value.String(); n == "deny" || n == "warn" {
				return true
			}
		}
	}
	return false
}

// prepareGroups splits rules into as many groups as there are processors,
// evaluated in parallel, and prepares their queries. Rules seldom share
// helpers, and a shared helper is computed at most once per group.
func prepareGroups(ctx context.Context, c *ast.Compiler, store storage.Store, rules []string) ([]*rego.PreparedEvalQuery, error) {
	n := min(len(rules), runtime.GOMAXPROCS(0))
	groups := make([][]string, n)
	for i, r := range rules {
		groups[i%n] = append(groups[i%n], r)
	}
	qs := make([]*rego.PreparedEvalQuery, n)
	for i, g := range groups {
		q, err := prepare(ctx, c, store, g)
		if err != nil {
			return nil, err
		}
		qs[i] = q
	}
	return qs, nil
}

// prepare compiles the query over rules, iterating only the named rule
// packages. One query yields both kinds, so what the deny and warn rules
// share (helper rules, the input's lookups) is computed once.
func prepare(ctx context.Context, c *ast.Compiler, store storage.Store, rules []string) (*rego.PreparedEvalQuery, error) {
	terms := make([]*ast.Term, len(rules))
	for i, r := range rules {
		terms[i] = ast.StringTerm(r)
	}
	query := fmt.Sprintf("some rule in %s; some kind in [%q, %q]; some msg in data.%s[rule][kind]",
		ast.ArrayTerm(terms...), Deny, Warn, rootPackage)
	pq, err := rego.New(
		rego.Query(query),
		rego.Compiler(c),
		rego.Store(store),
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("preparing the policy query: %w", err)
	}
	return &pq, nil
}

// inputRefs decides whether rules depend on some keys of the input.
type inputRefs struct {
	c    *ast.Compiler
	keys map[ast.String]bool
	memo map[*ast.Rule]int // 1 visiting, 2 no, 3 yes
}

func newInputRefs(c *ast.Compiler, keys ...string) *inputRefs {
	a := &inputRefs{c: c, keys: map[ast.String]bool{}, memo: map[*ast.Rule]int{}}
	for _, k := range keys {
		a.keys[ast.String(k)] = true
	}
	return a
}

// uses reports whether any rule under the package path pkg, or anything
// they reference through data, depends on the keys.
func (a *inputRefs) uses(pkg ast.Ref) bool {
	for _, r := range a.c.GetRulesWithPrefix(pkg) {
		if a.rule(r) {
			return true
		}
	}
	return false
}

func (a *inputRefs) rule(r *ast.Rule) bool {
	switch a.memo[r] {
	case 1, 2:
		return false
	case 3:
		return true
	}
	a.memo[r] = 1
	found := false
	var vis *ast.GenericVisitor
	vis = ast.NewGenericVisitor(func(x any) bool {
		if found {
			return true
		}
		t, ok := x.(*ast.Term)
		if !ok {
			return false
		}
		switch v := t.Value.(type) {
		case ast.Var:
			// The whole input document, e.g. walk(input).
			if v == ast.InputRootDocument.Value {
				found = true
			}
		case ast.Ref:
			if a.ref(v) {
				found = true
				return true
			}
			// Walk only the operands, not the head variable.
			for _, op := range v[1:] {
				vis.Walk(op)
			}
			return true
		}
		return false
	})
	vis.Walk(r)
	if found {
		a.memo[r] = 3
	} else {
		a.memo[r] = 2
	}
	// Walk sibling else-branches too.
	if !found && r.Else != nil && a.rule(r.Else) {
		found = true
		a.memo[r] = 3
	}
	return found
}

func (a *inputRefs) ref(ref ast.Ref) bool {
	switch {
	case ref.HasPrefix(ast.InputRootRef):
		if len(ref) == 1 {
			return true
		}
		s, ok := ref[1].Value.(ast.String)
		if !ok {
			return true // input[x]: could be any key
		}
		return a.keys[s]
	case ref.HasPrefix(ast.DefaultRootRef):
		for _, r := range a.c.GetRulesDynamic(ref) {
			if a.rule(r) {
				return true
			}
		}
	}
	return false
}
