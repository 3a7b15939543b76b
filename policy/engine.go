package policy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
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
// Moments: a rule runs before the plan (PrePlan) unless it, or anything it
// references through data (helper rules and functions, transitively), refers
// to input.plan or input.changes, or to the whole input document or an
// input key chosen at runtime (which could be either). This is decided by
// walking the compiled AST, so no annotation is needed. Every rule runs after
// the plan (PostPlan).

const (
	rootPackage = "csocbot"
	// DefaultTimeout is the time one set's evaluation may take.
	DefaultTimeout = 5 * time.Second
)

// Set is one policy set: a server-side folder of rule files and who may
// override its denials.
type Set struct {
	Name string
	Dir  string
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

// Engine holds the prepared queries of every set. It is safe for concurrent
// use; Evaluate reloads sets whose files changed.
type Engine struct {
	timeout time.Duration

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
	// queries[moment] holds the deny and warn queries; nil when no rule of
	// the set runs at that moment.
	queries [2]*momentQueries
}

type momentQueries struct {
	deny, warn rego.PreparedEvalQuery
}

type fileInfo struct {
	name  string
	size  int64
	mtime time.Time
	hash  [sha256.Size]byte
}

type fileState []fileInfo

const racyWindow = 2 * time.Second

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
	// A failed recompile is reported through the set's Error result.
	_, _ = e.ReloadIfChanged(ctx)

	value, err := toValue(in)
	if err != nil {
		return nil, fmt.Errorf("converting policy input: %w", err)
	}
	e.mu.RLock()
	sets := slices.Clone(e.sets)
	e.mu.RUnlock()

	var out []Result
	for _, cs := range sets {
		if !cs.set.AppliesTo(in.PR.Repo, in.Unit.Environment) {
			continue
		}
		out = append(out, e.evalSet(ctx, cs, value, m)...)
	}
	return out, nil
}

func (e *Engine) evalSet(ctx context.Context, cs *compiledSet, input ast.Value, m Moment) []Result {
	if cs.err != nil {
		return []Result{{Set: cs.set.Name, Kind: Error, Message: fmt.Sprintf("policy set could not be loaded: %v", cs.err)}}
	}
	q := cs.queries[m]
	if q == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()

	var out []Result
	for _, k := range []struct {
		kind Kind
		pq   rego.PreparedEvalQuery
	}{{Deny, q.deny}, {Warn, q.warn}} {
		rs, err := k.pq.Eval(ctx, rego.EvalParsedInput(input))
		if err != nil {
			return []Result{cs.failure(ctx, err, e.timeout)}
		}
		for _, r := range rs {
			rule, _ := r.Bindings["rule"].(string)
			out = append(out, Result{Set: cs.set.Name, Rule: rule, Kind: k.kind, Message: message(r.Bindings["msg"])})
		}
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

// toValue converts the input to OPA's value form through its JSON form, so
// the policies see exactly the documented JSON document.
func toValue(in Input) (ast.Value, error) {
	b, err := json.Marshal(in.normalized())
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

// readState lists the rule files of dir with their sizes and mtimes. File
// contents are hashed only when size or mtime differ from prev.
func readState(dir string, prev fileState) (fileState, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	old := map[string]fileInfo{}
	for _, f := range prev {
		old[f.name] = f
	}
	var st fileState
	for _, ent := range entries {
		name := ent.Name()
		if ent.IsDir() || !strings.HasSuffix(name, ".rego") || strings.HasSuffix(name, "_test.rego") {
			continue
		}
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		f := fileInfo{name: p, size: fi.Size(), mtime: fi.ModTime()}
		// Files modified in the last seconds are always hashed: on file
		// systems with coarse timestamps a same-size edit may keep the mtime.
		if o, ok := old[p]; ok && o.size == f.size && o.mtime.Equal(f.mtime) && time.Since(f.mtime) > racyWindow {
			f.hash = o.hash
		} else {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			f.hash = sha256.Sum256(b)
		}
		st = append(st, f)
	}
	return st, nil
}

// equal compares names and contents: a touched but unchanged file does not
// cause a recompile.
func (s fileState) equal(o fileState) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i].name != o[i].name || s[i].hash != o[i].hash {
			return false
		}
	}
	return true
}

func compileSet(ctx context.Context, s Set, files fileState) (*compiledSet, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("no .rego files in %s", s.Dir)
	}
	modules := map[string]*ast.Module{}
	cs := &compiledSet{set: s, byFile: map[string]string{}}
	ruleSet := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f.name)
		if err != nil {
			return nil, err
		}
		mod, err := ast.ParseModuleWithOpts(f.name, string(b), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, err
		}
		if mod.Package.Path.Equal(ast.DefaultRootRef.Append(ast.StringTerm(rootPackage))) {
			return nil, fmt.Errorf("%s: package %s: rules must be in a package %s.<rule>", f.name, rootPackage, rootPackage)
		}
		if rule, ok := ruleName(mod.Package.Path); ok && definesResults(mod) {
			ruleSet[rule] = true
			cs.byFile[f.name] = rule
		}
		modules[f.name] = mod
	}
	// Hash changes after reading (a write between stat and read) are
	// picked up by the next ReloadIfChanged.
	cs.files = files

	compiler := ast.NewCompiler()
	compiler.Compile(modules)
	if compiler.Failed() {
		return nil, compiler.Errors
	}
	for r := range ruleSet {
		cs.rules = append(cs.rules, r)
	}
	sort.Strings(cs.rules)

	var pre []string
	a := newPlanRefs(compiler)
	for _, r := range cs.rules {
		if !a.needsPlan(ast.DefaultRootRef.Append(ast.StringTerm(rootPackage)).Append(ast.StringTerm(r))) {
			pre = append(pre, r)
		}
	}
	var err error
	if cs.queries[PostPlan], err = prepare(ctx, compiler, cs.rules); err != nil {
		return nil, err
	}
	if cs.queries[PrePlan], err = prepare(ctx, compiler, pre); err != nil {
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

// prepare compiles the deny and warn queries over rules, iterating only the
// named rule packages.
func prepare(ctx context.Context, c *ast.Compiler, rules []string) (*momentQueries, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	terms := make([]*ast.Term, len(rules))
	for i, r := range rules {
		terms[i] = ast.StringTerm(r)
	}
	list := ast.ArrayTerm(terms...).String()
	q := &momentQueries{}
	for kind, dst := range map[string]*rego.PreparedEvalQuery{"deny": &q.deny, "warn": &q.warn} {
		query := fmt.Sprintf("some rule in %s; some msg in data.%s[rule].%s", list, rootPackage, kind)
		pq, err := rego.New(
			rego.Query(query),
			rego.Compiler(c),
			rego.StrictBuiltinErrors(true),
		).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("preparing %s query: %w", kind, err)
		}
		*dst = pq
	}
	return q, nil
}

// planRefs decides whether rules depend on input.plan or input.changes.
type planRefs struct {
	c    *ast.Compiler
	memo map[*ast.Rule]int // 1 visiting, 2 no, 3 yes
}

func newPlanRefs(c *ast.Compiler) *planRefs {
	return &planRefs{c: c, memo: map[*ast.Rule]int{}}
}

// needsPlan reports whether any rule under the package path pkg, or anything
// they reference through data, depends on the plan.
func (a *planRefs) needsPlan(pkg ast.Ref) bool {
	for _, r := range a.c.GetRulesWithPrefix(pkg) {
		if a.rule(r) {
			return true
		}
	}
	return false
}

func (a *planRefs) rule(r *ast.Rule) bool {
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

func (a *planRefs) ref(ref ast.Ref) bool {
	switch {
	case ref.HasPrefix(ast.InputRootRef):
		if len(ref) == 1 {
			return true
		}
		s, ok := ref[1].Value.(ast.String)
		if !ok {
			return true // input[x]: could be plan or changes
		}
		return s == "plan" || s == "changes"
	case ref.HasPrefix(ast.DefaultRootRef):
		for _, r := range a.c.GetRulesDynamic(ref) {
			if a.rule(r) {
				return true
			}
		}
	}
	return false
}
