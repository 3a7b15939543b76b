package archtest

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeLayoutListsEveryPackage keeps the README's layout table true
// to the tree: every package of the module is named in it, and everything
// it names exists.
func TestReadmeLayoutListsEveryPackage(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, layout, ok := strings.Cut(string(readme), "\n## Layout\n")
	if !ok {
		t.Fatal("README.md has no ## Layout section")
	}
	layout, _, _ = strings.Cut(layout, "\n## ")
	listed := map[string]bool{}
	firstCell := regexp.MustCompile("^\\| ([^|]+) \\|")
	for line := range strings.Lines(layout) {
		m := firstCell.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, name := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(m[1], -1) {
			listed[name[1]] = true
		}
	}
	for _, p := range packages(t) {
		if !listed[p.path] {
			t.Errorf("package %s is not in the README's layout table", p.path)
		}
	}
	for path := range listed {
		if _, err := os.Stat("../../" + path); err != nil {
			t.Errorf("the README's layout table names %s, which does not exist", path)
		}
	}
}
