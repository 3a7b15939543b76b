package values

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkMergeDiff is the per-application work of a release pull request
// on midrcprod/data.midrc.org (1,032 lines of values): merge the values
// before and after onto the gen3 chart's defaults and diff the results.
func BenchmarkMergeDiff(b *testing.B) {
	defaults := gen3Defaults(b)
	data, err := os.ReadFile(filepath.Join(gitopsDir, "midrcprod", "data.midrc.org", "values", "values.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	before, err := Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	after, err := Parse([]byte(strings.ReplaceAll(string(data), "tag: '2026.07'", "tag: '2026.10'")))
	if err != nil {
		b.Fatal(err)
	}
	if n := len(Diff(Merge(defaults, before), Merge(defaults, after))); n == 0 {
		b.Fatal("the benchmark's change changes nothing")
	}
	b.ReportAllocs()
	for b.Loop() {
		Diff(Merge(defaults, before), Merge(defaults, after))
	}
}

// BenchmarkParse reads the same file.
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(gitopsDir, "midrcprod", "data.midrc.org", "values", "values.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
