// Command testreport reads `go test -json` on standard input and prints
// what a person running the tests needs: each package's result line, the
// whole output of every failing test, every skipped test with the reason it
// gave (tests that need ../shared or a tool say what is missing), and a
// closing count. It exits 1 when a test or a build failed.
//
//	go test -json ./... | go run ./scripts/testreport
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// event is one line of test2json output (go doc test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail events
	Test       string
	Output     string
}

type report struct {
	out                     io.Writer
	output                  map[string][]string // package + test -> output lines
	passed, failed, skipped int
	buildFailed             bool
	packageFailed           bool
}

func main() {
	r := &report{out: os.Stdout, output: map[string][]string{}}
	if err := r.read(os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	fmt.Fprintf(r.out, "tests: %d passed, %d failed, %d skipped\n", r.passed, r.failed, r.skipped)
	if r.failed > 0 || r.buildFailed || r.packageFailed {
		os.Exit(1)
	}
}

func (r *report) read(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			// Not an event (go vet or the toolchain writing directly).
			fmt.Fprintln(r.out, string(line))
			continue
		}
		r.handle(e)
	}
	return sc.Err()
}

func (r *report) handle(e event) {
	key := e.Package + " " + e.Test
	switch e.Action {
	case "build-output":
		fmt.Fprint(r.out, e.Output)
	case "build-fail":
		r.buildFailed = true
	case "output":
		if e.Test == "" {
			r.packageOutput(e.Output)
			return
		}
		r.output[key] = append(r.output[key], e.Output)
	case "pass":
		if e.Test != "" {
			r.passed++
		}
		delete(r.output, key)
	case "skip":
		if e.Test == "" {
			return
		}
		r.skipped++
		fmt.Fprintf(r.out, "SKIP %s %s: %s\n", e.Package, e.Test, skipReason(r.output[key]))
		delete(r.output, key)
	case "fail":
		if e.Test == "" {
			// A package can fail with no failing test: a panic, a
			// timeout, a TestMain that exits non-zero.
			r.packageFailed = true
			return
		}
		r.failed++
		fmt.Fprintf(r.out, "--- FAIL: %s %s\n%s", e.Package, e.Test, strings.Join(r.output[key], ""))
		delete(r.output, key)
	}
}

// packageOutput prints a package's own lines (its ok/FAIL line, a panic
// or a crash), leaving out the bare PASS that precedes every ok.
func (r *report) packageOutput(s string) {
	if strings.TrimSpace(s) == "PASS" {
		return
	}
	fmt.Fprint(r.out, s)
}

// skipReason is what a skipped test logged, without the lines test2json
// adds around it.
func skipReason(lines []string) string {
	var parts []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " ")
}
