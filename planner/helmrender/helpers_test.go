package helmrender

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
)

// gen3Dir is the copy of uc-cdis/gen3-helm the tests render (see its README.md).
var gen3Dir = filepath.Join("..", "..", "testdata", "gen3-helm")

const gen3Repo = "https://github.com/uc-cdis/gen3-helm"

// dirFetcher serves a local folder as every git repository, counting fetches.
type dirFetcher struct {
	fsys    fs.FS
	fetches atomic.Int32
}

func (d *dirFetcher) FetchGit(_ context.Context, _, _ string) (fs.FS, string, error) {
	d.fetches.Add(1)
	return d.fsys, "0123456789abcdef0123456789abcdef01234567", nil
}

func gen3Renderer() (*Renderer, *dirFetcher) {
	f := &dirFetcher{fsys: os.DirFS(gen3Dir)}
	return &Renderer{Git: f, AllowHosts: []string{"github.com"}}, f
}

// gen3Values reads the diseasedatahub.org values file as Helm reads it.
func gen3Values(t testing.TB) map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(gen3Dir, "values", "diseasedatahub.org.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := loader.LoadValues(f)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// parseObjects is parseDocs with the objects' YAML written.
func parseObjects(rendered map[string]string, namespace string, cache *docCache) ([]Object, error) {
	lazy, err := parseDocs(rendered, namespace, cache)
	if err != nil {
		return nil, err
	}
	return objectsOf(lazy)
}
