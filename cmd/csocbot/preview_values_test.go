package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
)

// gitopsApp is a plain Application of the gen3-gitops shape on the gen3
// chart, with one value file.
const gitopsApp = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: gen3-testcommons
spec:
  sources:
    - path: helm/gen3
      repoURL: https://github.com/uc-cdis/gen3-helm
      targetRevision: master
      helm:
        valueFiles:
          - $values/testcluster/test.example.org/values.yaml
    - repoURL: https://github.com/uc-cdis/gen3-gitops.git
      targetRevision: master
      ref: values
  destination:
    namespace: testcommons
`

// TestPreviewGitOps previews a tag bump on a gitops repository, rendering
// the charts from a local folder: the comment shows the setting and the
// Deployment, the exit code says the check passed, and --json holds the
// same.
func TestPreviewGitOps(t *testing.T) {
	values, err := os.ReadFile(filepath.Join("..", "..", "testdata", "gen3-helm", "values", "diseasedatahub.org.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	repo := gittest.New(t, filepath.Join("..", "..", "testdata", "gen3-gitops"))
	repo.Write("testcluster/test.example.org/app.yaml", gitopsApp)
	repo.Write("testcluster/test.example.org/values.yaml", string(values))
	base := repo.CommitAll("base")
	repo.Replace("testcluster/test.example.org/values.yaml", "    repository: quay.io/cdis/peregrine\n    tag: '2026.04'", "    repository: quay.io/cdis/peregrine\n    tag: '2026.05'")
	head := repo.CommitAll("bump peregrine")
	charts := "https://github.com/uc-cdis/gen3-helm=" + filepath.Join("..", "..", "testdata", "gen3-helm")

	code, out, stderr := runCLI(t, "preview", "--repo", repo.Dir, "--base", base, "--head", head, "--chart-repo", charts, "--cache", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, out)
	}
	for _, want := range []string{"### csocbot values for", "peregrine.image.tag", "Deployment testcommons/peregrine-deployment"} {
		if !strings.Contains(out, want) {
			t.Errorf("the preview lacks %q:\n%s", want, out)
		}
	}

	code, out, stderr = runCLI(t, "preview", "--repo", repo.Dir, "--base", base, "--head", head, "--chart-repo", charts, "--cache", t.TempDir(), "--json")
	var got struct {
		Applications []struct {
			Key     string `json:"key"`
			Objects []struct {
				Kind, Name string
			} `json:"objects"`
		} `json:"applications"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got.Applications) != 1 || len(got.Applications[0].Objects) != 1 {
		t.Fatalf("exit %d, --json: %s\n%s", code, out, stderr)
	}
}
