package terragrunt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"math/big"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/internal/testtools"
)

// The differential test evaluates every unit of three corpora with
// csocbot's evaluator and with `terragrunt render-json` of the Terragrunt
// release Gen3 operators run, and fails on every field where the two
// differ: terraform.source, inputs (deep), the dependency blocks' config
// paths, dependencies.paths, remote_state and the generate blocks.
//
// Normalisations, each because the two tools print the same configuration
// differently, never to hide a difference in what a unit means:
//   - Both read the same checkout (a git work tree in a temporary directory,
//     since Terragrunt's get_repo_root runs git), so absolute paths agree
//     as they are; messages print them with the checkout as <checkout>.
//   - Terragrunt prints config_path and dependencies.paths as written
//     (relative to the unit, or absolute and uncleaned); csocbot cleaned and
//     relative to the repository root. Terragrunt's are resolved against
//     the unit's directory or made relative to the checkout.
//   - dependencies.paths compare as sets: their order changes no run order.
//   - Terragrunt prints null for unset inputs and terraform.source; csocbot
//     has {} and "".
//   - remote_state compares the parts csocbot models: backend, config,
//     generate and disable_init.
//   - Numbers compare by value (1 and 1.0 are one number).
//   - Inputs named unstable_* are compared for presence only: their values
//     differ between any two runs or by construction (see the generated
//     corpus's README).

// terragruntJobs bounds the terragrunt processes the differential test runs
// at once: CI machines have two cores.
const terragruntJobs = 2

// diffCorpus is one repository the differential test compares on.
type diffCorpus struct {
	name string
	// src is the repository's directory, copied into a fresh checkout.
	src string
	// env is what get_env sees, in both tools.
	env map[string]string
	// opts are the evaluator options beyond Root, FS, Env and Command.
	opts Options
	// optional corpora skip when src is absent; the others fail.
	optional bool
}

// generatedDir is the repository that exercises every function and block
// the evaluator supports (see its README.md).
var generatedDir = filepath.Join("testdata", "differential")

// diffCorpora are the corpora; gen3 is the shared folder's whole Gen3
// corpus (testdata/gen3-terragrunt is a copy of its Terragrunt files).
func diffCorpora(t *testing.T) []diffCorpus {
	return []diffCorpus{
		{name: "generated", src: generatedDir, env: map[string]string{"CSOCBOT_DIFF_NAME": "gen3", "CSOCBOT_DIFF_EMPTY": ""},
			opts: Options{AllowRunCmd: true}},
		{name: "sample", src: infraDir},
		{name: "gen3", src: testtools.SharedPath(t, "corpus", "gen3"), env: map[string]string{"AWS_ACCOUNT_ID": "123456789012", "ACM_CERT_ARN": "arn:aws:acm:us-east-1:123456789012:certificate/test"},
			optional: true},
	}
}

// fidelity counts, per corpus, the units both tools evaluate identically.
type fidelity struct {
	mu          sync.Mutex
	same, total map[string]int
}

func (f *fidelity) add(corpus string, same bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.total[corpus]++
	if same {
		f.same[corpus]++
	}
}

func TestDifferential(t *testing.T) {
	tg := testtools.Terragrunt(t)
	fid := &fidelity{same: map[string]int{}, total: map[string]int{}}
	sem := make(chan struct{}, terragruntJobs)
	var names []string
	t.Run("corpora", func(t *testing.T) {
		for _, c := range diffCorpora(t) {
			if _, err := os.Stat(c.src); err != nil {
				if c.optional {
					t.Logf("corpus %s skipped: %v", c.name, err)
					continue
				}
				t.Fatalf("corpus %s: %v", c.name, err)
			}
			names = append(names, c.name)
			t.Run(c.name, func(t *testing.T) { runDiffCorpus(t, tg, c, sem, fid) })
		}
	})
	// Logged for BENCHMARKS.md's fidelity table.
	for _, n := range names {
		t.Logf("fidelity %-9s %d of %d units identical", n, fid.same[n], fid.total[n])
	}
}

// runDiffCorpus compares every unit of c, in parallel.
func runDiffCorpus(t *testing.T, tg string, c diffCorpus, sem chan struct{}, fid *fidelity) {
	repo := gittest.New(t, c.src)
	repo.CommitAll("corpus")
	checkout, err := filepath.EvalSymlinks(repo.Dir)
	if err != nil {
		t.Fatal(err)
	}
	units := unitDirs(t, checkout)
	if len(units) == 0 {
		t.Fatalf("corpus %s has no units", c.name)
	}
	// Both tools see the corpus's variables and one temporary HOME (which
	// pathexpand reads).
	env := maps.Clone(c.env)
	if env == nil {
		env = map[string]string{}
	}
	env["HOME"] = t.TempDir()
	opts := c.opts
	opts.Root, opts.FS, opts.Env, opts.Command = checkout, os.DirFS(checkout), env, "plan"
	ev, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	run := &tgRun{bin: tg, env: env}
	for _, unit := range units {
		t.Run(unit, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			diffs := compareUnit(t, ev, run, checkout, unit)
			fid.add(c.name, len(diffs) == 0)
			for _, d := range diffs {
				t.Errorf("%s: %s", unit, strings.ReplaceAll(d, checkout, "<checkout>"))
			}
		})
	}
}

// unitDirs lists the checkout's units (directories with a terragrunt.hcl
// or terragrunt.hcl.json), relative to it.
func unitDirs(t *testing.T, root string) []string {
	t.Helper()
	var units []string
	err := fs.WalkDir(os.DirFS(root), ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == ".git" || d.Name() == ".terragrunt-cache"):
			return fs.SkipDir
		case IsConfigFile(d.Name()) && !slices.Contains(units, path.Dir(p)):
			units = append(units, path.Dir(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return units
}

// compareUnit evaluates unit with both tools and describes every
// difference. A unit both reject agrees.
func compareUnit(t *testing.T, ev *Evaluator, run *tgRun, checkout, unit string) []string {
	cfg, csocErr := ev.EvaluateUnit(context.Background(), unit)
	rendered, tgErr := run.render(t, filepath.Join(checkout, filepath.FromSlash(unit)))
	switch {
	case csocErr != nil && tgErr != nil:
		t.Logf("both reject the unit\ncsocbot: %v\nterragrunt: %v", csocErr, tgErr)
		return nil
	case csocErr != nil:
		return []string{fmt.Sprintf("csocbot rejects the unit, terragrunt accepts it\ncsocbot: %v", csocErr)}
	case tgErr != nil:
		return []string{fmt.Sprintf("terragrunt rejects the unit, csocbot accepts it\nterragrunt: %v", tgErr)}
	}
	got, err := csocbotView(cfg)
	if err != nil {
		return []string{err.Error()}
	}
	return diffValues("", got, terragruntView(rendered, checkout, unit))
}

// tgRun runs terragrunt render-json in a clean environment: PATH, an
// empty terraform CLI configuration (no credentials or plugin caches of the
// machine) and env, which must set HOME to a temporary directory.
type tgRun struct {
	bin string
	env map[string]string
}

func (r *tgRun) render(t *testing.T, unitDir string) (map[string]any, error) {
	out := filepath.Join(t.TempDir(), "render.json")
	rc := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(rc, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(r.bin, "render-json", "--terragrunt-non-interactive", "--terragrunt-json-out", out)
	cmd.Dir = unitDir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TF_CLI_CONFIG_FILE=" + rc}
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, lastLines(stderr.String(), 12))
	}
	// Some errors Terragrunt only logs, going on with "" for the value
	// (e.g. an unsupported attribute of a dependency): a rejection too.
	if strings.Contains(stderr.String(), "level=error") {
		return nil, fmt.Errorf("terragrunt logged errors: %s", lastLines(stderr.String(), 12))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := decodeJSON(b, &v); err != nil {
		t.Fatalf("terragrunt render-json output: %v", err)
	}
	return v, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func decodeJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// csocbotView is the compared part of cfg, shaped like terragruntView's.
func csocbotView(cfg *Config) (map[string]any, error) {
	inputs, err := plainJSON(cfg.Inputs)
	if err != nil {
		return nil, fmt.Errorf("inputs: %v", err)
	}
	deps := map[string]any{}
	for _, d := range cfg.Dependencies {
		deps[d.Name] = d.ConfigPath
	}
	view := map[string]any{
		"terraform.source":   cfg.Terraform.Source,
		"inputs":             inputs,
		"dependency":         deps,
		"dependencies.paths": sortedPaths(cfg.DependencyPaths),
		"remote_state":       nil,
		"generate":           map[string]any{},
	}
	if rs := cfg.RemoteState; rs != nil {
		conf, err := plainJSON(cty.ObjectVal(rs.Config))
		if err != nil {
			return nil, fmt.Errorf("remote_state.config: %v", err)
		}
		var gen any
		if rs.Generate != nil {
			gen = map[string]any{"path": rs.Generate.Path, "if_exists": rs.Generate.IfExists}
		}
		view["remote_state"] = map[string]any{"backend": rs.Backend, "config": conf, "generate": gen, "disable_init": rs.DisableInit}
	}
	for _, g := range cfg.Generate {
		view["generate"].(map[string]any)[g.Name] = map[string]any{
			"path": g.Path, "if_exists": g.IfExists, "contents": g.Contents,
			"comment_prefix": g.CommentPrefix, "disable_signature": g.DisableSignature,
			"disable": g.Disable, "if_disabled": g.IfDisabled,
		}
	}
	return view, nil
}

// plainJSON is v as decoded JSON. Unknown values are an error: with every
// variable set and mocks for every dependency, nothing may stay unknown.
func plainJSON(v cty.Value) (any, error) {
	if !v.IsWhollyKnown() {
		return nil, fmt.Errorf("csocbot left a value unknown: %#v", v)
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return nil, err
	}
	var out any
	return out, decodeJSON(b, &out)
}

// terragruntView is the compared part of render-json's output.
func terragruntView(r map[string]any, checkout, unit string) map[string]any {
	obj := func(v any) map[string]any { m, _ := v.(map[string]any); return m }
	source, _ := obj(r["terraform"])["source"].(string)
	inputs := r["inputs"]
	if inputs == nil {
		inputs = map[string]any{}
	}
	deps := map[string]any{}
	for name, d := range obj(r["dependency"]) {
		cp, _ := obj(d)["config_path"].(string)
		deps[name] = resolveUnitPath(checkout, unit, cp)
	}
	var paths []string
	if ps, ok := obj(r["dependencies"])["paths"].([]any); ok {
		for _, p := range ps {
			s, _ := p.(string)
			paths = append(paths, resolveUnitPath(checkout, unit, s))
		}
	}
	var rs any
	if m := obj(r["remote_state"]); m != nil {
		conf := m["config"]
		if conf == nil {
			conf = map[string]any{}
		}
		rs = map[string]any{"backend": m["backend"], "config": conf, "generate": m["generate"], "disable_init": m["disable_init"]}
	}
	gens := map[string]any{}
	for name, g := range obj(r["generate"]) {
		gm := obj(g)
		gens[name] = map[string]any{
			"path": gm["path"], "if_exists": gm["if_exists"], "contents": gm["contents"],
			"comment_prefix": gm["comment_prefix"], "disable_signature": gm["disable_signature"],
			"disable": gm["disable"], "if_disabled": gm["if_disabled"],
		}
	}
	return map[string]any{
		"terraform.source": source, "inputs": inputs, "dependency": deps,
		"dependencies.paths": sortedPaths(paths), "remote_state": rs, "generate": gens,
	}
}

// resolveUnitPath makes a path Terragrunt printed as written (relative to
// the unit, or absolute in the checkout, uncleaned) relative to the
// repository root, as csocbot has it.
func resolveUnitPath(checkout, unit, p string) string {
	if rel, ok := strings.CutPrefix(p, checkout+"/"); ok {
		return path.Clean(rel)
	}
	if path.IsAbs(p) {
		return p // outside the checkout: csocbot never has such a path
	}
	return path.Clean(path.Join(unit, p))
}

func sortedPaths(ps []string) []any {
	s := slices.Clone(ps)
	sort.Strings(s)
	out := make([]any, len(s))
	for i, p := range s {
		out[i] = p
	}
	return out
}

// diffValues describes where csocbot's value got and Terragrunt's want
// differ, by path, with both values.
func diffValues(at string, got, want any) []string {
	gm, gok := got.(map[string]any)
	wm, wok := want.(map[string]any)
	if gok && wok {
		var out []string
		for _, k := range unionKeys(gm, wm) {
			g, gin := gm[k]
			w, win := wm[k]
			p := strings.TrimPrefix(at+"."+k, ".")
			switch {
			case strings.HasPrefix(k, "unstable_") && gin == win:
				// Compared for presence only; see the file comment.
			case !gin:
				out = append(out, fmt.Sprintf("%s: csocbot has none, terragrunt %s", p, show(w)))
			case !win:
				out = append(out, fmt.Sprintf("%s: csocbot %s, terragrunt has none", p, show(g)))
			default:
				out = append(out, diffValues(p, g, w)...)
			}
		}
		return out
	}
	gl, gok := got.([]any)
	wl, wok := want.([]any)
	if gok && wok && len(gl) == len(wl) {
		var out []string
		for i := range gl {
			out = append(out, diffValues(fmt.Sprintf("%s.%d", at, i), gl[i], wl[i])...)
		}
		return out
	}
	if sameScalar(got, want) {
		return nil
	}
	return []string{fmt.Sprintf("%s: csocbot %s, terragrunt %s", at, show(got), show(want))}
}

func sameScalar(a, b any) bool {
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		x, _, errA := big.ParseFloat(string(an), 10, 256, big.ToNearestEven)
		y, _, errB := big.ParseFloat(string(bn), 10, 256, big.ToNearestEven)
		return errA == nil && errB == nil && x.Cmp(y) == 0
	}
	return reflect.DeepEqual(a, b)
}

func unionKeys(a, b map[string]any) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// notInGeneratedCorpus are the supported functions the generated corpus
// does not call, and why.
var notInGeneratedCorpus = map[string]string{
	"get_aws_account_alias":           "calls AWS; csocbot refuses it when evaluating for a command",
	"get_aws_account_id":              "calls AWS; csocbot refuses it when evaluating for a command",
	"get_aws_caller_identity_arn":     "calls AWS; csocbot refuses it when evaluating for a command",
	"get_aws_caller_identity_user_id": "calls AWS; csocbot refuses it when evaluating for a command",
	"sops_decrypt_file":               "needs the sops program and a decryption key",
	"mark_as_read":                    "Terragrunt 0.63 has no mark_as_read (newer syntax, warned about)",
	"mark_glob_as_read":               "Terragrunt 0.63 has no mark_glob_as_read (newer syntax, warned about)",
}

// supportedFunctions lists every function the evaluator supports: the
// Terraform functions every file has, and the names (*fileEval).function
// builds, read from the package's source so the list cannot fall behind.
func supportedFunctions(t *testing.T) []string {
	t.Helper()
	names := slices.Collect(maps.Keys(terraformFunctions()))
	fset := token.NewFileSet()
	pkgFiles, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range pkgFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Name.Name != "function" || fn.Recv == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if cc, ok := n.(*ast.CaseClause); ok {
					for _, e := range cc.List {
						if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							s, _ := strconv.Unquote(lit.Value)
							names = append(names, s)
						}
					}
				}
				return true
			})
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// hclBodiesIn parses the .hcl files below dir.
func hclBodiesIn(t *testing.T, dir string) []*hclsyntax.Body {
	t.Helper()
	var bodies []*hclsyntax.Body
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".hcl" {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos)
		if diags.HasErrors() {
			return diags
		}
		bodies = append(bodies, f.Body.(*hclsyntax.Body))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bodies
}

// calledFunctionsIn lists the functions the .hcl files below dir call.
func calledFunctionsIn(t *testing.T, dir string) map[string]bool {
	t.Helper()
	called := map[string]bool{}
	for _, body := range hclBodiesIn(t, dir) {
		for _, name := range calledFunctions(body) {
			called[name] = true
		}
	}
	return called
}

// notInGeneratedCorpusTopLevel are the top-level blocks and attributes the
// evaluator reads that the generated corpus does not use, and why.
var notInGeneratedCorpusTopLevel = map[string]string{
	"feature":                      "Terragrunt 0.63 has no feature block (newer syntax, warned about)",
	"exclude":                      "Terragrunt 0.63 has no exclude block (newer syntax, warned about)",
	"errors":                       "Terragrunt 0.63 has no errors block (newer syntax, warned about)",
	"retry_sleep_interval_sec_max": "Terragrunt 0.63 has no retry_sleep_interval_sec_max (newer syntax, warned about)",
}

func TestGeneratedCorpusUsesEveryTopLevelBlockAndAttribute(t *testing.T) {
	used := map[string]bool{}
	for _, body := range hclBodiesIn(t, generatedDir) {
		for _, blk := range body.Blocks {
			used[blk.Type] = true
		}
		for name := range body.Attributes {
			used[name] = true
		}
	}
	for _, set := range []map[string]bool{topLevelBlocks, topLevelAttributes} {
		for name := range set {
			_, excused := notInGeneratedCorpusTopLevel[name]
			switch {
			case excused && used[name]:
				t.Errorf("%s is listed in notInGeneratedCorpusTopLevel but the generated corpus uses it", name)
			case !excused && !used[name]:
				t.Errorf("the generated corpus (%s) uses no top-level %s: add it to a unit there", generatedDir, name)
			}
		}
	}
}

func TestGeneratedCorpusCallsEverySupportedFunction(t *testing.T) {
	called := calledFunctionsIn(t, generatedDir)
	supported := supportedFunctions(t)
	if len(supported) < 100 {
		t.Fatalf("found only %d supported functions; has the evaluator's function list moved?", len(supported))
	}
	for _, name := range supported {
		_, excused := notInGeneratedCorpus[name]
		switch {
		case excused && called[name]:
			t.Errorf("%s is listed in notInGeneratedCorpus but the generated corpus calls it", name)
		case !excused && !called[name]:
			t.Errorf("the generated corpus (%s) calls no %s: add a call to a unit there", generatedDir, name)
		}
	}
	for name := range called {
		if !slices.Contains(supported, name) {
			t.Errorf("the generated corpus calls %s, which the evaluator does not support", name)
		}
	}
	for name := range notInGeneratedCorpus {
		if !slices.Contains(supported, name) {
			t.Errorf("notInGeneratedCorpus lists %s, which the evaluator does not support", name)
		}
	}
}
