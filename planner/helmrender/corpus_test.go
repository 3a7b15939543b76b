package helmrender

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
)

// TestRenderCorpus renders the whole gen3-helm tree of the shared Gen3
// corpus with each environment's value files from gen3-gitops, merged in
// their Application's order, as Helm merges value files.
func TestRenderCorpus(t *testing.T) {
	corpus := filepath.Join("..", "..", "..", "shared", "corpus", "gen3", "uc-cdis")
	if _, err := os.Stat(filepath.Join(corpus, "gen3-helm", "helm", "gen3", "Chart.yaml")); err != nil {
		t.Skipf("shared Gen3 corpus not available: %v", err)
	}
	r := &Renderer{Git: &dirFetcher{fsys: os.DirFS(filepath.Join(corpus, "gen3-helm"))}, AllowHosts: []string{"github.com"}}
	run := r.NewRun()
	gitops := filepath.Join(corpus, "gen3-gitops")
	for env, files := range map[string][]string{
		"emalinowskiv1":     {"emalinowskiv1/emalinowskiv1.planx-pla.net/values/values.yaml"},
		"data.midrc.org":    {"midrcprod/data.midrc.org/values/values.yaml"},
		"staging.midrc.org": {"midrcprod/staging.midrc.org/values/values.yaml"},
		"diseasedatahub.org": {"unfunded/diseasedatahub.org/values/values.yaml", "unfunded/diseasedatahub.org/values/fence.yaml",
			"unfunded/diseasedatahub.org/values/portal.yaml", "unfunded/diseasedatahub.org/values/guppy.yaml",
			"unfunded/diseasedatahub.org/values/hatchery.yaml", "unfunded/diseasedatahub.org/values/etl.yaml"},
		// global.dev enables elasticsearch from https://helm.elastic.co,
		// a host the test does not allow: refused before any request.
		"ci": {"ci/default/values/values.yaml", "ci/default/values/fence.yaml", "ci/default/values/ssjdispatcher.yaml"},
	} {
		t.Run(env, func(t *testing.T) {
			values := map[string]any{}
			for _, f := range files {
				data, err := os.Open(filepath.Join(gitops, f))
				if err != nil {
					t.Fatal(err)
				}
				v, err := loader.LoadValues(data)
				data.Close()
				if err != nil {
					t.Fatal(err)
				}
				values = loader.MergeMaps(values, v)
			}
			m, err := run.Render(context.Background(), ChartSource{RepoURL: gen3Repo, Path: "helm/gen3", Revision: "master"}, values, Release{Name: "gen3", Namespace: env})
			if env == "ci" {
				if !errors.Is(err, ErrHostNotAllowed) || !strings.Contains(err.Error(), "helm.elastic.co") {
					t.Fatalf("err = %v, want helm.elastic.co refused", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Objects) == 0 {
				t.Fatal("no objects")
			}
			t.Logf("%d objects", len(m.Objects))
		})
	}
}
