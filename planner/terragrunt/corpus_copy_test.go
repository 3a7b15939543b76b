package terragrunt

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/testtools"
)

// The corpus tests read a copy of the shared Gen3 corpus's Terragrunt files
// (so they run on a clone alone). This test keeps the copy whole: every
// .hcl file of the shared corpus must be in it, byte for byte.
func TestCorpusCopyMatchesSharedCorpus(t *testing.T) {
	shared := testtools.SharedPath(t, "corpus", "gen3")
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("the shared Gen3 corpus is not beside the project (%v): the copy in %s is not compared", err, corpusDir)
	}
	n := 0
	err := filepath.WalkDir(shared, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".hcl") {
			return err
		}
		n++
		rel, _ := filepath.Rel(shared, p)
		want, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		got, err := os.ReadFile(filepath.Join(corpusDir, rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: the copy in %s is missing or differs (%v); copy it again from %s", rel, corpusDir, err, shared)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no .hcl files in %s", shared)
	}
}
