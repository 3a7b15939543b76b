package terragrunt

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// nested is n levels of parentheses around 1.
func nested(n int) string {
	return strings.Repeat("(", n) + "1" + strings.Repeat(")", n)
}

// chainedLocals is a locals block of n locals, each referring to the
// next one by name (so that a scan in name order finds one ready per
// pass), the last one a number.
func chainedLocals(n int) string {
	var b strings.Builder
	b.WriteString("locals {\n")
	for i := 0; i < n-1; i++ {
		fmt.Fprintf(&b, "  l%06d = local.l%06d + 1\n", i, i+1)
	}
	fmt.Fprintf(&b, "  l%06d = 0\n}\n", n-1)
	return b.String()
}

// TestHostileUnitsFailWithClearErrors covers configurations written to
// exhaust the server: each fails alone, with an error that names the file
// and the limit, quickly and without allocating much.
func TestHostileUnitsFailWithClearErrors(t *testing.T) {
	doubling := "locals {\n  s00 = \"xxxxxxxxxxxxxxxx\"\n"
	for i := 1; i <= 40; i++ {
		doubling += fmt.Sprintf("  s%02d = \"${local.s%02d}${local.s%02d}\"\n", i, i-1, i-1)
	}
	doubling += "}\n"
	deepValue := "locals {\n  v0000 = 1\n"
	for i := 1; i <= 1500; i++ {
		deepValue += fmt.Sprintf("  v%04d = [local.v%04d]\n", i, i-1)
	}
	deepValue += "}\n"
	tests := []struct {
		name  string
		files map[string]string
		opts  Options
		want  []string
	}{
		{"200 KB of nested parentheses", map[string]string{unitFile: "locals {\n  a = " + nested(100_000) + "\n}\n"}, Options{},
			[]string{unitFile + ":2:", "Nesting too deep", "more than 128 levels"}},
		{"a file over 1 MiB", map[string]string{unitFile: "locals {\n  a = \"" + strings.Repeat("x", 1<<20) + "\"\n}\n"}, Options{},
			[]string{unitFile + ":1:1", "File too large", "at most 1048576 bytes"}},
		{"a long number", map[string]string{unitFile: "locals {\n  a = " + strings.Repeat("7", 100_000) + "\n}\n"}, Options{},
			[]string{unitFile + ":2:7", "Number too long"}},
		{"deeply nested negations", map[string]string{unitFile: "locals {\n  a = " + strings.Repeat("!", 100_000) + "true\n}\n"}, Options{},
			[]string{unitFile + ":2:", "Nesting too deep"}},
		{"deep HCL-JSON", map[string]string{unitDir + "/" + JSONConfigFileName: `{"inputs": {"a": ` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}}`}, Options{},
			[]string{unitDir + "/" + JSONConfigFileName + ":1:", "Nesting too deep"}},
		{"deep template in an HCL-JSON string", map[string]string{unitDir + "/" + JSONConfigFileName: `{"inputs": {"a": "${` + nested(100_000) + `}"}}`}, Options{},
			[]string{unitDir + "/" + JSONConfigFileName + ":1:", "Nesting too deep"}},
		{"deep templatefile", map[string]string{unitFile: "locals {\n  a = templatefile(\"t.tpl\", {})\n}\n", unitDir + "/t.tpl": "${" + nested(10_000) + "}"}, Options{},
			[]string{unitFile + ":2:7", "t.tpl:1:", "Nesting too deep"}},
		{"deep template directives", map[string]string{unitFile: "locals {\n  a = templatefile(\"t.tpl\", {})\n}\n", unitDir + "/t.tpl": strings.Repeat("%{if true}", 10_000) + strings.Repeat("%{endif}", 10_000)}, Options{},
			[]string{"t.tpl:1:", "Nesting too deep"}},
		{"deep tfvars", map[string]string{unitFile: "locals {\n  a = read_tfvars_file(\"x.tfvars\")\n}\n", unitDir + "/x.tfvars": "a = " + nested(10_000)}, Options{},
			[]string{"x.tfvars:1:", "Nesting too deep"}},
		{"nested for expressions in tfvars", map[string]string{unitFile: "locals {\n  a = read_tfvars_file(\"x.tfvars\")\n}\n",
			unitDir + "/x.tfvars": "l = [" + strings.Repeat("1,", 1000) + "]\na = [for x in [" + strings.Repeat("1,", 1000) + "]: [for y in [" + strings.Repeat("1,", 1000) + "]: [for z in [" + strings.Repeat("1,", 1000) + "]: z]]]\n"}, Options{Timeout: 300 * time.Millisecond},
			[]string{"x.tfvars:2:", "Evaluation limit exceeded"}},
		{"a huge join", map[string]string{unitFile: "locals {\n  s = join(\"\", [for i in range(1000): \"xx\"])\n  a = join(\"\", [for i in range(1000): local.s])\n}\n"}, Options{},
			[]string{unitFile + ":3:7", "Evaluation limit exceeded", "join: it would build a string of 2000000 bytes, more than the 1048576 allowed"}},
		{"a huge range", map[string]string{unitFile: "locals {\n  a = range(10000000)\n}\n"}, Options{},
			[]string{unitFile + ":2:7", "more than 1024 values were generated"}},
		{"a huge setproduct", map[string]string{unitFile: "locals {\n  a = setproduct(range(1000), range(1000))\n}\n"}, Options{},
			[]string{unitFile + ":2:7", "setproduct: it would build 1000000 elements"}},
		{"a wide format", map[string]string{unitFile: "locals {\n  a = format(\"%09999999d\", 1)\n}\n"}, Options{},
			[]string{unitFile + ":2:7", "format: it would build a string of"}},
		{"format repeating an argument", map[string]string{unitFile: "locals {\n  s = join(\"\", [for i in range(1000): \"xxxxxxxxxx\"])\n  a = format(\"" + strings.Repeat("%[1]s", 200) + "\", local.s)\n}\n"}, Options{},
			[]string{unitFile + ":3:7", "format: it would build a string of"}},
		{"replace multiplying a string", map[string]string{unitFile: "locals {\n  s = join(\"\", [for i in range(1000): \"xx\"])\n  a = replace(local.s, \"x\", local.s)\n}\n"}, Options{},
			[]string{unitFile + ":3:7", "replace: it would build a string of 4002000 bytes"}},
		{"replace by a regular expression", map[string]string{unitFile: "locals {\n  s = join(\"\", [for i in range(1000): \"xx\"])\n  a = replace(local.s, \"/x/\", \"$0$0${local.s}\")\n}\n"}, Options{},
			[]string{unitFile + ":3:7", "replace: it would build a string of"}},
		{"a wide indent", map[string]string{unitFile: "locals {\n  a = indent(100000000, \"a\\nb\")\n}\n"}, Options{},
			[]string{unitFile + ":2:7", "indent: it would build a string of"}},
		{"flatten of a shared list", map[string]string{unitFile: "locals {\n  l1 = [for i in range(1000): i]\n  l2 = [for i in range(1000): local.l1]\n  a = flatten(local.l2)\n}\n"}, Options{},
			[]string{unitFile + ":4:7", "flatten: it would build more than 100000 elements"}},
		{"a template doubling a string", map[string]string{unitFile: doubling}, Options{},
			[]string{unitFile + ":", "Evaluation limit exceeded", "strings may have at most 1048576 bytes"}},
		{"values nested deeply", map[string]string{unitFile: deepValue}, Options{},
			[]string{unitFile + ":", "a value nests more than 1000 levels deep"}},
		{"nested loops", map[string]string{unitFile: "locals {\n  a = [for i in range(1000): [for j in range(1000): [for k in range(1000): k if false]]]\n}\n"}, Options{Timeout: 200 * time.Millisecond},
			[]string{unitFile + ":2:", "Evaluation limit exceeded", "took longer than 200ms"}},
		{"deep YAML", map[string]string{unitFile: "locals {\n  a = yamldecode(file(\"x.yaml\"))\n}\n", unitDir + "/x.yaml": strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000)}, Options{},
			[]string{unitFile + ":2:7", "yamldecode: the YAML nests brackets more than 1000 levels deep"}},
		{"reading a large file", map[string]string{unitFile: "locals {\n  a = file(\"big.txt\")\n}\n", unitDir + "/big.txt": strings.Repeat("x", 1<<20+1)}, Options{},
			[]string{unitFile + ":2:7", unitDir + "/big.txt has 1048577 bytes; functions read files of at most 1048576 bytes"}},
		{"an expensive bcrypt", map[string]string{unitFile: "locals {\n  a = bcrypt(\"x\", 31)\n}\n"}, Options{Command: "plan"},
			[]string{unitFile + ":2:7", "bcrypt: a cost above 14 takes too long"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := evaluate(t, tt.files, unitDir, tt.opts)
			wantError(t, err, tt.want...)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// TestManyLocals evaluates 25,000 locals chained in the worst order for
// a scan by name: it took minutes when each pass rescanned them all.
func TestManyLocals(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{unitFile: chainedLocals(25_000)}, unitDir, Options{})
	wantValue(t, cfg.Locals["l000000"], "24999")
}

// TestLocalsOrder checks that locals are evaluated in Terragrunt's order:
// passes over the locals by name, each taking those ready by then. The
// order decides which error a unit with several reports.
func TestLocalsOrder(t *testing.T) {
	src := "locals {\n  a = local.d\n  b = 1\n  c = local.b\n  d = local.c\n  e = local.a\n  f = local.e\n}\n"
	f := mapFS(map[string]string{unitFile: src})
	body, err := parseBytes(unitFile, func() ([]byte, error) { return f[unitFile].Data, nil })
	if err != nil {
		t.Fatal(err)
	}
	order, stuck := localsOrder(body.Blocks[0].Body.Attributes)
	var names []string
	for _, a := range order {
		names = append(names, a.Name)
	}
	// Pass 0: b, c, d (each ready once the one before is); pass 1: a, e, f.
	if got := strings.Join(names, " "); got != "b c d a e f" || len(stuck) != 0 {
		t.Errorf("order %q, stuck %v", got, stuck)
	}
}

// TestTimeoutIsPerUnit checks that a cancelled caller is told so, not
// that the unit took too long.
func TestTimeoutIsPerUnit(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ev := newEvaluator(t, map[string]string{unitFile: ""}, Options{})
	if _, err := ev.EvaluateUnit(ctx, unitDir); err == nil || strings.Contains(err.Error(), "took longer") {
		t.Errorf("err = %v, want the cancellation", err)
	}
}

// TestTimeoutCountsTheUnitsOwnTime checks that waiting for a dependency's
// outputs (terraform output) does not count against a unit's time, while
// a program run_cmd runs does.
func TestTimeoutCountsTheUnitsOwnTime(t *testing.T) {
	slowOutputs := func(context.Context, string) (cty.Value, bool, error) {
		time.Sleep(300 * time.Millisecond)
		return cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal("x")}), true, nil
	}
	files := map[string]string{
		"live/prod/vpc/terragrunt.hcl": "",
		unitFile:                       "dependency \"vpc\" {\n  config_path = \"../vpc\"\n}\ninputs = { id = dependency.vpc.outputs.id }\n",
	}
	cfg := mustEvaluate(t, files, unitDir, Options{Command: "plan", DependencyOutputs: slowOutputs, Timeout: 100 * time.Millisecond})
	wantValue(t, get(t, cfg.Inputs, "id"), `"x"`)

	root := t.TempDir()
	unit := "locals {\n  a = run_cmd(\"sleep\", \"5\")\n}\n"
	if err := os.WriteFile(filepath.Join(root, ConfigFileName), []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	ev, err := New(Options{Root: root, FS: os.DirFS(root), Command: "plan", AllowRunCmd: true, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = ev.EvaluateUnit(context.Background(), ".")
	wantError(t, err, ConfigFileName+":2:7", "took longer than 200ms")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("run_cmd ran for %v", d)
	}
}

// BenchmarkManyLocals evaluates 25,000 locals, chained and independent.
func BenchmarkManyLocals(b *testing.B) {
	independent := "locals {\n"
	for i := range 25_000 {
		independent += fmt.Sprintf("  l%06d = %d\n", i, i)
	}
	independent += "}\n"
	for _, bc := range []struct{ name, src string }{{"chained", chainedLocals(25_000)}, {"independent", independent}} {
		b.Run(bc.name, func(b *testing.B) {
			ev := newEvaluator(b, map[string]string{unitFile: bc.src}, Options{Timeout: time.Hour})
			for b.Loop() {
				if _, err := ev.EvaluateUnit(context.Background(), unitDir); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
