package helmrender

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	repo "helm.sh/helm/v4/pkg/repo/v1"
	"sigs.k8s.io/yaml"
)

// helmRepo is a Helm chart repository on loopback holding chart "demo" in
// several versions, packaged with Helm's own Save.
type helmRepo struct {
	URL      string
	requests atomic.Int32
}

// demoArchive packages version of chart "demo" into dir with Helm's Save.
func demoArchive(t *testing.T, dir, version string) (*chart.Metadata, string, []byte) {
	t.Helper()
	c, err := loader.LoadFiles([]*archive.BufferedFile{
		{Name: "Chart.yaml", Data: []byte("apiVersion: v2\nname: demo\nversion: " + version + "\n")},
		{Name: "values.yaml", Data: []byte("greeting: hello\n")},
		{Name: "templates/cm.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  greeting: {{ .Values.greeting }}\n  version: {{ .Chart.Version }}\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	file, err := chartutil.Save(c, dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return c.Metadata, file, data
}

func newHelmRepo(t *testing.T, edit func(*repo.IndexFile)) *helmRepo {
	t.Helper()
	dir := t.TempDir()
	index := repo.NewIndexFile()
	for _, version := range []string{"1.0.0", "1.2.0", "2.0.0"} {
		md, file, data := demoArchive(t, dir, version)
		sum := sha256.Sum256(data)
		if err := index.MustAdd(md, filepath.Base(file), "", hex.EncodeToString(sum[:])); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		edit(index)
	}
	indexYAML, err := yaml.Marshal(index)
	if err != nil {
		t.Fatal(err)
	}
	h := &helmRepo{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.requests.Add(1)
		if r.URL.Path == "/charts/index.yaml" {
			_, _ = w.Write(indexYAML)
			return
		}
		http.ServeFile(w, r, filepath.Join(dir, filepath.Base(r.URL.Path)))
	}))
	t.Cleanup(srv.Close)
	h.URL = srv.URL + "/charts"
	return h
}

func TestHelmRepository(t *testing.T) {
	h := newHelmRepo(t, nil)
	r := &Renderer{AllowHosts: []string{"127.0.0.1"}}
	run := r.NewRun()
	for range 2 {
		m, err := run.Render(context.Background(), ChartSource{RepoURL: h.URL, Chart: "demo", Revision: "^1.0.0"}, map[string]any{"greeting": "hi"}, Release{Name: "rel"})
		if err != nil {
			t.Fatal(err)
		}
		if m.Commit != "1.2.0" || m.Chart != "demo-1.2.0" || len(m.Objects) != 1 {
			t.Fatalf("manifests = %+v", m)
		}
		if y := m.Objects[0].YAML; !strings.Contains(y, "greeting: hi") || !strings.Contains(y, "version: 1.2.0") {
			t.Errorf("ConfigMap = %s", y)
		}
	}
	if n := h.requests.Load(); n != 2 {
		t.Errorf("%d requests for two renders in one run, want 2 (index and archive)", n)
	}
}

func TestHelmRepositoryDependency(t *testing.T) {
	h := newHelmRepo(t, nil)
	fsys := chartFS(map[string]string{"charts/app/Chart.yaml": `apiVersion: v2
name: app
version: 1.0.0
dependencies:
  - name: lib
    version: "*"
    repository: file://../lib
  - name: demo
    version: "~2.0"
    repository: ` + h.URL + "\n"})
	r := &Renderer{Git: &mapFetcher{fsys: fsys}, AllowHosts: []string{"git.example.com", "127.0.0.1"}}
	m, err := r.NewRun().Render(context.Background(), ChartSource{RepoURL: "https://git.example.com/org/charts", Path: "charts/app"}, map[string]any{"demo": map[string]any{"greeting": "from parent"}}, Release{Name: "rel"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Objects) != 2 || m.Objects[0].Name != "demo" || !strings.Contains(m.Objects[0].YAML, "greeting: from parent") || !strings.Contains(m.Objects[0].YAML, "version: 2.0.0") {
		t.Errorf("objects = %+v", m.Objects)
	}
}

func TestHelmRepositoryRefusals(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*repo.IndexFile)
		allow    []string
		maxChart int64
		wantErr  string
		wantIs   error
		requests int32
	}{
		{name: "host not allowed makes no request", allow: []string{"github.com"}, wantIs: ErrHostNotAllowed, requests: 0},
		{name: "archive on another host", allow: []string{"127.0.0.1"}, wantIs: ErrHostNotAllowed, requests: 1,
			edit: func(i *repo.IndexFile) {
				i.Entries["demo"][1].URLs = []string{"https://downloads.example.net/demo-1.2.0.tgz"}
			}},
		{name: "digest mismatch", allow: []string{"127.0.0.1"}, wantErr: "does not match the digest", requests: 2,
			edit: func(i *repo.IndexFile) { i.Entries["demo"][1].Digest = strings.Repeat("0", 64) }},
		{name: "size limit", allow: []string{"127.0.0.1"}, maxChart: 100, wantErr: "more than the limit of 100", requests: 2},
		{name: "unknown version", allow: []string{"127.0.0.1"}, edit: func(i *repo.IndexFile) { delete(i.Entries, "demo") }, wantErr: "is not in the Helm repository", requests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHelmRepo(t, tt.edit)
			r := &Renderer{AllowHosts: tt.allow, MaxChartBytes: tt.maxChart}
			_, err := r.NewRun().Render(context.Background(), ChartSource{RepoURL: h.URL, Chart: "demo", Revision: "1.2.0"}, nil, Release{Name: "rel"})
			switch {
			case err == nil:
				t.Fatal("no error")
			case tt.wantIs != nil && !errors.Is(err, tt.wantIs):
				t.Fatalf("err = %v, want %v", err, tt.wantIs)
			case !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if n := h.requests.Load(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}

func TestFetchURLScheme(t *testing.T) {
	run := (&Renderer{AllowHosts: []string{"charts.example.org", "127.0.0.1", "localhost"}}).NewRun()
	for rawURL, ok := range map[string]bool{
		"https://charts.example.org/index.yaml": true,
		"http://charts.example.org/index.yaml":  false,
		"http://127.0.0.1:8080/index.yaml":      true,
		"http://localhost/index.yaml":           true,
		"ftp://charts.example.org/index.yaml":   false,
	} {
		if err := run.checkFetchURL(rawURL); (err == nil) != ok {
			t.Errorf("%s: err = %v", rawURL, err)
		}
	}
}
