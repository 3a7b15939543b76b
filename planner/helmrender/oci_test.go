package helmrender

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// registry is an OCI distribution registry on loopback serving chart
// charts/demo in several versions as Helm pushes them, behind the anonymous
// token flow public registries use.
type registry struct {
	host     string
	requests atomic.Int32
}

func newRegistry(t *testing.T) *registry {
	t.Helper()
	dir := t.TempDir()
	blobs := map[string][]byte{}
	manifests := map[string][]byte{}
	var tags []string
	for _, version := range []string{"1.0.0", "1.2.0", "2.0.0+build.1"} {
		_, _, data := demoArchive(t, dir, version)
		sum := sha256.Sum256(data)
		digest := "sha256:" + hex.EncodeToString(sum[:])
		blobs[digest] = data
		m, err := json.Marshal(map[string]any{
			"schemaVersion": 2,
			"mediaType":     ociManifestType,
			"config":        map[string]any{"mediaType": "application/vnd.cncf.helm.config.v1+json", "digest": "sha256:" + strings.Repeat("0", 64), "size": 2},
			"layers":        []map[string]any{{"mediaType": helmChartLayer, "digest": digest, "size": len(data)}},
		})
		if err != nil {
			t.Fatal(err)
		}
		tag := strings.ReplaceAll(version, "+", "_")
		manifests[tag] = m
		tags = append(tags, tag)
	}
	reg := &registry{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reg.requests.Add(1)
		if r.URL.Path == "/token" {
			if r.URL.Query().Get("scope") != "repository:charts/demo:pull" || r.URL.Query().Get("service") != "test-registry" {
				http.Error(w, "bad scope", http.StatusBadRequest)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]string{"token": "anon"})
			return
		}
		if r.Header.Get("Authorization") != "Bearer anon" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="http://`+r.Host+`/token",service="test-registry",scope="repository:charts/demo:pull"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		rest, ok := strings.CutPrefix(r.URL.Path, "/v2/charts/demo/")
		switch {
		case !ok:
			http.NotFound(w, r)
		case rest == "tags/list":
			_ = json.NewEncoder(w).Encode(map[string]any{"name": "charts/demo", "tags": tags})
		case strings.HasPrefix(rest, "manifests/"):
			m, ok := manifests[strings.TrimPrefix(rest, "manifests/")]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", ociManifestType)
			_, _ = w.Write(m)
		case strings.HasPrefix(rest, "blobs/"):
			b, ok := blobs[strings.TrimPrefix(rest, "blobs/")]
			if !ok {
				http.NotFound(w, r)
				return
			}
			_, _ = w.Write(b)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	reg.host = strings.TrimPrefix(srv.URL, "http://")
	return reg
}

func TestOCIRegistry(t *testing.T) {
	reg := newRegistry(t)
	tests := []struct {
		name        string
		src         ChartSource
		wantVersion string
	}{
		{name: "exact version", src: ChartSource{RepoURL: "oci://" + reg.host + "/charts", Chart: "demo", Revision: "1.0.0"}, wantVersion: "1.0.0"},
		{name: "range", src: ChartSource{RepoURL: "oci://" + reg.host + "/charts", Chart: "demo", Revision: "^1"}, wantVersion: "1.2.0"},
		{name: "latest, build metadata in the tag", src: ChartSource{RepoURL: reg.host + "/charts", Chart: "demo"}, wantVersion: "2.0.0+build.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Renderer{AllowHosts: []string{"127.0.0.1"}}
			m, err := r.NewRun().Render(context.Background(), tt.src, map[string]any{"greeting": "oci"}, Release{Name: "rel"})
			if err != nil {
				t.Fatal(err)
			}
			if m.Commit != tt.wantVersion || len(m.Objects) != 1 || !strings.Contains(m.Objects[0].YAML, "greeting: oci") {
				t.Fatalf("manifests = %+v", m)
			}
		})
	}

	before := reg.requests.Load()
	r := &Renderer{AllowHosts: []string{"registry.example.com"}}
	_, err := r.NewRun().Render(context.Background(), ChartSource{RepoURL: "oci://" + reg.host + "/charts", Chart: "demo", Revision: "1.0.0"}, nil, Release{})
	if !errors.Is(err, ErrHostNotAllowed) {
		t.Errorf("err = %v, want ErrHostNotAllowed", err)
	}
	if reg.requests.Load() != before {
		t.Error("a refused registry got requests")
	}
}

func TestOCIDependency(t *testing.T) {
	reg := newRegistry(t)
	fsys := chartFS(map[string]string{"charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: lib\n    version: \"*\"\n    repository: file://../lib\n  - name: demo\n    version: \"1.2.0\"\n    repository: oci://" + reg.host + "/charts\n"})
	r := &Renderer{Git: &mapFetcher{fsys: fsys}, AllowHosts: []string{"git.example.com", "127.0.0.1"}}
	m, err := r.NewRun().Render(context.Background(), ChartSource{RepoURL: "https://git.example.com/org/charts", Path: "charts/app"}, nil, Release{Name: "rel"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Objects) != 2 || m.Objects[0].Name != "demo" || !strings.Contains(m.Objects[0].YAML, "version: 1.2.0") {
		t.Errorf("objects = %+v", m.Objects)
	}
}
