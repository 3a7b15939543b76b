package terragrunt

import (
	"context"
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// testRoot is where the in-memory test repositories are "checked out".
const testRoot = "/repo"

// unitDir is the unit most tests evaluate.
const unitDir = "live/prod/app"

// unitFile is unitDir's configuration file.
const unitFile = unitDir + "/" + ConfigFileName

// mapFS builds an in-memory repository from file name to content.
func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

// newEvaluator returns an evaluator of files rooted at testRoot; opts may
// set anything but Root and FS.
func newEvaluator(t testing.TB, files map[string]string, opts Options) *Evaluator {
	t.Helper()
	opts.Root, opts.FS = testRoot, mapFS(files)
	ev, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// evaluate evaluates the unit in dir of the repository files.
func evaluate(t testing.TB, files map[string]string, dir string, opts Options) (*Config, error) {
	t.Helper()
	return newEvaluator(t, files, opts).EvaluateUnit(context.Background(), dir)
}

// mustEvaluate is evaluate failing the test on an error.
func mustEvaluate(t testing.TB, files map[string]string, dir string, opts Options) *Config {
	t.Helper()
	cfg, err := evaluate(t, files, dir, opts)
	if err != nil {
		t.Fatalf("EvaluateUnit(%s): %v", dir, err)
	}
	return cfg
}

// evalLocal evaluates expr as local.v of the unit live/prod/app, whose
// file is "locals {\n  v = <expr>\n}", so expr starts at line 2, column 7.
func evalLocal(t testing.TB, files map[string]string, expr string, opts Options) (cty.Value, *Config, error) {
	t.Helper()
	all := map[string]string{unitFile: "locals {\n  v = " + expr + "\n}\n"}
	for k, v := range files {
		all[k] = v
	}
	cfg, err := evaluate(t, all, unitDir, opts)
	if err != nil {
		return cty.NilVal, nil, err
	}
	return cfg.Locals["v"], cfg, nil
}

// wantError fails unless err's message has every one of subs and reads
// like a message for a person, not a Go panic.
func wantError(t testing.TB, err error, subs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", subs)
	}
	msg := err.Error()
	for _, s := range subs {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q\ndoes not contain %q", msg, s)
		}
	}
	for _, bad := range []string{"panic", "goroutine", "runtime error", "cty.", "<nil>", "%!"} {
		if strings.Contains(msg, bad) {
			t.Errorf("error %q\ncontains %q", msg, bad)
		}
	}
}

// wantPositioned checks that err is an *Error whose every diagnostic names
// a file and a position.
func wantPositioned(t testing.TB, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %q is a %T, not an *Error", err, err)
	}
	if len(e.Diagnostics) == 0 {
		t.Fatalf("error %q has no diagnostics", err)
	}
	for _, d := range e.Diagnostics {
		if d.Subject == nil || d.Subject.Filename == "" || d.Subject.Start.Line == 0 {
			t.Errorf("diagnostic %q has no position", d.Summary)
		}
	}
}

// val parses an HCL expression without variables or functions: the
// expected values of tests, written as HCL.
func val(t testing.TB, src string) cty.Value {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "want", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("bad test value %q: %s", src, diags)
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		t.Fatalf("bad test value %q: %s", src, diags)
	}
	return v
}

// asJSON renders a known value as JSON, so that an object and a map, or a
// tuple and a list, with the same content compare equal.
func asJSON(t testing.TB, v cty.Value) string {
	t.Helper()
	if !v.IsWhollyKnown() {
		return "<unknown " + v.Type().FriendlyName() + ">"
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		t.Fatalf("marshal %#v: %v", v, err)
	}
	return string(b)
}

// wantValue compares got with want, written as HCL.
func wantValue(t testing.TB, got cty.Value, want string) {
	t.Helper()
	if g, w := asJSON(t, got), asJSON(t, val(t, want)); g != w {
		t.Errorf("got %s, want %s", g, w)
	}
}

// get walks v along a dotted path of attribute names, map keys and list
// indexes, e.g. get(t, cfg.Inputs, "tags.env") or "subnets.0".
func get(t testing.TB, v cty.Value, path string) cty.Value {
	t.Helper()
	for _, step := range strings.Split(path, ".") {
		switch {
		case !v.IsKnown() || v.IsNull():
			t.Fatalf("%s: cannot look up %q in an unknown or null value", path, step)
		case v.Type().IsObjectType():
			if !v.Type().HasAttribute(step) {
				t.Fatalf("%s: no attribute %q in %s", path, step, asJSON(t, v))
			}
			v = v.GetAttr(step)
		case v.Type().IsMapType():
			if !v.HasIndex(cty.StringVal(step)).True() {
				t.Fatalf("%s: no key %q in %s", path, step, asJSON(t, v))
			}
			v = v.Index(cty.StringVal(step))
		case v.Type().IsListType() || v.Type().IsTupleType():
			i, err := strconv.Atoi(step)
			if err != nil || i >= v.LengthInt() {
				t.Fatalf("%s: no element %q in %s", path, step, asJSON(t, v))
			}
			v = v.Index(cty.NumberIntVal(int64(i)))
		default:
			t.Fatalf("%s: cannot look up %q in a %s", path, step, v.Type().FriendlyName())
		}
	}
	return v
}

// getString is get for a string.
func getString(t testing.TB, v cty.Value, path string) string {
	t.Helper()
	s := get(t, v, path)
	if !s.IsKnown() || s.IsNull() || s.Type() != cty.String {
		t.Fatalf("%s is %s, not a known string", path, asJSON(t, s))
	}
	return s.AsString()
}

// readPaths lists the paths of cfg.Reads, with why, as "path (why)".
func readPaths(cfg *Config) []string {
	out := make([]string, len(cfg.Reads))
	for i, r := range cfg.Reads {
		out[i] = r.Path + " (" + r.Why + ")"
	}
	return out
}

// overlayFS serves extra files over a base file system, so that tests can
// add a synthetic unit to a directory on disk.
type overlayFS struct {
	base  fs.FS
	extra fstest.MapFS
}

func (o overlayFS) Open(name string) (fs.File, error) {
	if _, ok := o.extra[name]; ok {
		return o.extra.Open(name)
	}
	return o.base.Open(name)
}
