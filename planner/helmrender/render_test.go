package helmrender

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"sigs.k8s.io/yaml"

	"github.com/csocbot/csocbot/internal/gittest"
)

var gen3Source = ChartSource{RepoURL: gen3Repo, Path: "helm/gen3", Revision: "master"}

var gen3Release = Release{Name: "niaiddata", Namespace: "diseasedatahub"}

// setPath sets a dotted path in a values tree, making maps on the way.
func setPath(v map[string]any, dotted string, val any) {
	keys := strings.Split(dotted, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := v[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			v[k] = next
		}
		v = next
	}
	v[keys[len(keys)-1]] = val
}

func TestRenderGen3ImageTagChange(t *testing.T) {
	r, fetcher := gen3Renderer()
	run := r.NewRun()
	ctx := context.Background()

	before, err := run.Render(ctx, gen3Source, gen3Values(t), gen3Release)
	if err != nil {
		t.Fatal(err)
	}
	vals := gen3Values(t)
	setPath(vals, "peregrine.image.tag", "2026.05")
	after, err := run.Render(ctx, gen3Source, vals, gen3Release)
	if err != nil {
		t.Fatal(err)
	}
	if n := fetcher.fetches.Load(); n != 1 {
		t.Errorf("chart fetched %d times in one run, want 1", n)
	}
	if before.Chart != "gen3-0.0.0" || before.Commit == "" {
		t.Errorf("Chart, Commit = %q, %q", before.Chart, before.Commit)
	}
	if len(before.Objects) < 50 {
		t.Fatalf("gen3 rendered %d objects, want the whole commons", len(before.Objects))
	}

	changes := DiffObjects(before.Objects, after.Objects)
	if len(changes) != 1 {
		t.Fatalf("changes = %+v, want only the peregrine Deployment", changes)
	}
	c := changes[0]
	if c.Kind != "Deployment" || c.Namespace != "diseasedatahub" || c.Name != "peregrine-deployment" || c.Op != OpChanged {
		t.Errorf("change = %s %s/%s %s", c.Op, c.Kind, c.Namespace, c.Name)
	}
	for _, line := range []string{"-        image: quay.io/cdis/peregrine:2026.04", "+        image: quay.io/cdis/peregrine:2026.05"} {
		if !strings.Contains(c.Diff, line) {
			t.Errorf("diff lacks %q:\n%s", line, c.Diff)
		}
	}
}

func TestRenderGen3Objects(t *testing.T) {
	r, _ := gen3Renderer()
	values := gen3Values(t)
	m, err := r.NewRun().Render(context.Background(), gen3Source, values, gen3Release)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(values, gen3Values(t)) {
		t.Error("Render changed the values it was given")
	}
	got := map[string]Object{}
	for i, o := range m.Objects {
		got[o.Kind+"/"+o.Namespace+"/"+o.Name] = o
		if i > 0 && compareObjects(m.Objects[i-1], o) >= 0 {
			t.Errorf("objects not sorted: %s after %s", label(o), label(m.Objects[i-1]))
		}
	}
	for _, key := range []string{
		"Deployment/diseasedatahub/fence-deployment", // enabled by the chart's defaults
		"Deployment/diseasedatahub/revproxy-deployment",
		"ExternalSecret/diseasedatahub/niaiddata-master-password",
		"Secret/diseasedatahub/fence-secret",
	} {
		if _, ok := got[key]; !ok {
			t.Errorf("no %s", key)
		}
	}
	// Disabled by the values file; the chart is not in testdata either.
	for _, key := range []string{"Deployment/diseasedatahub/wts-deployment", "Deployment/diseasedatahub/guppy-deployment"} {
		if _, ok := got[key]; ok {
			t.Errorf("%s rendered though disabled", key)
		}
	}
	secrets := 0
	for _, o := range m.Objects {
		if o.Kind != "Secret" {
			continue
		}
		var secret struct{ Data, StringData map[string]string }
		if err := yaml.Unmarshal([]byte(o.YAML), &secret); err != nil {
			t.Fatal(err)
		}
		for k, v := range secret.Data {
			secrets++
			if v != redacted {
				t.Errorf("Secret %s data %s = %q, want it redacted", o.Name, k, v)
			}
		}
		for k, v := range secret.StringData {
			secrets++
			if v != redacted {
				t.Errorf("Secret %s stringData %s = %q, want it redacted", o.Name, k, v)
			}
		}
	}
	if secrets == 0 {
		t.Error("no Secret values rendered: the redaction check checked nothing")
	}
}

// cloneFetcher clones repositories with go-git, as a stand-in for the
// server's mirror cache.
type cloneFetcher struct {
	dir    string
	clones atomic.Int32
}

func (c *cloneFetcher) FetchGit(ctx context.Context, repoURL, revision string) (fs.FS, string, error) {
	n := c.clones.Add(1)
	dir := filepath.Join(c.dir, fmt.Sprint(n))
	repo, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{URL: repoURL})
	if err != nil {
		return nil, "", err
	}
	h, err := repo.ResolveRevision(plumbing.Revision(revision))
	if err != nil {
		if h, err = repo.ResolveRevision(plumbing.Revision("origin/" + revision)); err != nil {
			return nil, "", err
		}
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, "", err
	}
	if err := wt.Checkout(&git.CheckoutOptions{Hash: *h, Force: true}); err != nil {
		return nil, "", err
	}
	return os.DirFS(dir), h.String(), nil
}

func TestRenderFromGitRepository(t *testing.T) {
	src := gittest.New(t, filepath.Join(gen3Dir, "helm"))
	first := src.CommitAll("gen3 charts")
	src.Replace("peregrine/values.yaml", "replicaCount: 1", "replicaCount: 3")
	second := src.CommitAll("more peregrine")
	served := gittest.Serve(t, src)

	fetcher := &cloneFetcher{dir: t.TempDir()}
	r := &Renderer{Git: fetcher, AllowHosts: []string{"127.0.0.1"}}
	run := r.NewRun()
	ctx := context.Background()
	render := func(rev string) Manifests {
		t.Helper()
		m, err := run.Render(ctx, ChartSource{RepoURL: served.URL, Path: "gen3", Revision: rev}, gen3Values(t), gen3Release)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	before := render(first)
	after := render("main")
	again := render("main")
	if before.Commit != first || after.Commit != second {
		t.Errorf("commits = %s, %s; want %s, %s", before.Commit, after.Commit, first, second)
	}
	if n := fetcher.clones.Load(); n != 2 {
		t.Errorf("%d fetches for two revisions, want 2", n)
	}
	if len(again.Objects) != len(after.Objects) {
		t.Errorf("cached render differs")
	}
	changes := DiffObjects(before.Objects, after.Objects)
	if len(changes) != 1 || changes[0].Name != "peregrine-deployment" || !strings.Contains(changes[0].Diff, "+  replicas: 3") {
		t.Errorf("changes = %+v", changes)
	}
}

// chartFS is a small repository: chart app depends on lib (file://) and on
// optional charts that are absent from the tree.
func chartFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		"charts/app/Chart.yaml": {Data: []byte(`apiVersion: v2
name: app
version: 1.0.0
dependencies:
  - name: lib
    version: "*"
    repository: file://../lib
  - name: extra
    version: "*"
    repository: file://../extra
    condition: extra.enabled
  - name: tagged
    version: "*"
    repository: file://../tagged
    tags: [optional]
  - name: remote
    version: "1.0.0"
    repository: https://charts.example.com
    condition: remote.enabled,global.remote
`)},
		"charts/app/values.yaml": {Data: []byte("image:\n  tag: v1\nextra:\n  enabled: false\nremote:\n  enabled: false\ntags:\n  optional: false\n")},
		"charts/app/templates/cm.yaml": {Data: []byte(`apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-app
data:
  tag: {{ .Values.image.tag | quote }}
  greeting: {{ include "lib.greeting" . | quote }}
`)},
		"charts/app/templates/NOTES.txt":    {Data: []byte("Thanks for installing {{ .Release.Name }}\n")},
		"charts/lib/Chart.yaml":             {Data: []byte("apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n")},
		"charts/lib/templates/_helpers.tpl": {Data: []byte(`{{- define "lib.greeting" -}}hello{{- end -}}`)},
	}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

type mapFetcher struct {
	fsys    fs.FS
	fetches atomic.Int32
}

func (m *mapFetcher) FetchGit(context.Context, string, string) (fs.FS, string, error) {
	m.fetches.Add(1)
	return m.fsys, "c0ffee", nil
}

func renderMap(t *testing.T, fsys fs.FS, path string, values map[string]any) (Manifests, error) {
	t.Helper()
	r := &Renderer{Git: &mapFetcher{fsys: fsys}, AllowHosts: []string{"git.example.com"}}
	return r.NewRun().Render(context.Background(), ChartSource{RepoURL: "https://git.example.com/org/charts", Path: path, Revision: "main"}, values, Release{Name: "rel", Namespace: "apps"})
}

func TestDependencies(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		path    string
		values  map[string]any
		wantErr string
		want    string // a line of the ConfigMap
	}{
		{name: "disabled dependencies are not needed", path: "charts/app", want: "greeting: hello"},
		{name: "enabling a missing dependency fails", path: "charts/app", values: map[string]any{"extra": map[string]any{"enabled": true}},
			wantErr: "dependency extra (file://../extra): no chart at charts/extra"},
		{name: "a true tag enables", path: "charts/app", values: map[string]any{"tags": map[string]any{"optional": true}},
			wantErr: "dependency tagged (file://../tagged): no chart at charts/tagged"},
		{name: "a second condition decides", path: "charts/app", values: map[string]any{"remote": map[string]any{"enabled": "yes"}, "global": map[string]any{"remote": true}},
			wantErr: "charts.example.com"},
		{name: "escaping the repository", path: "charts/app",
			files:   map[string]string{"charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: lib\n    version: \"*\"\n    repository: file://../../../lib\n"},
			wantErr: `path "../../../lib" leaves the repository`},
		{name: "vendored charts win", path: "charts/app",
			files: map[string]string{"charts/app/charts/lib/Chart.yaml": "apiVersion: v2\nname: lib\nversion: 0.1.0\n",
				"charts/app/charts/lib/templates/_helpers.tpl": `{{- define "lib.greeting" -}}vendored{{- end -}}`},
			want: "greeting: vendored"},
		{name: "chart path escaping", path: "../app", wantErr: "leaves the repository"},
		{name: "dependency cycle", path: "charts/app",
			files:   map[string]string{"charts/lib/Chart.yaml": "apiVersion: v2\nname: lib\nversion: 0.1.0\ndependencies:\n  - name: app\n    version: \"*\"\n    repository: file://../app\n"},
			wantErr: "check for a dependency cycle"},
		{name: "no chart", path: "charts/none", wantErr: "no chart at charts/none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := renderMap(t, chartFS(tt.files), tt.path, tt.values)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Objects) != 1 || !strings.Contains(m.Objects[0].YAML, tt.want) {
				t.Fatalf("objects = %+v, want one ConfigMap with %q", m.Objects, tt.want)
			}
			if o := m.Objects[0]; o.Kind != "ConfigMap" || o.Namespace != "apps" || o.Name != "rel-app" || o.APIVersion != "v1" {
				t.Errorf("object = %+v", o)
			}
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	tests := []struct {
		name     string
		template string
		timeout  time.Duration
		wantErr  string
	}{
		{name: "required", template: `{{ required "image.repository is required" .Values.image.repository }}`, wantErr: "image.repository is required"},
		{name: "fail", template: `{{ fail "unsupported setup" }}`, wantErr: "unsupported setup"},
		{name: "parse error", template: `{{ .Values.image.tag `, wantErr: "parse error"},
		{name: "nil pointer", template: `{{ .Values.nothing.here.deeper }}`, wantErr: "nil pointer evaluating interface {}.here"},
		{name: "invalid YAML", template: "kind: ConfigMap\n  bad: [", wantErr: "YAML parse error on app/templates/cm.yaml"},
		{name: "timeout", template: `{{ range until 3000 }}{{ range until 3000 }}{{ end }}{{ end }}`, timeout: time.Millisecond, wantErr: "did not finish in time"},
		{name: "output limit", template: `{{ range until 2000 }}{{ "0123456789" }}{{ end }}`, wantErr: "more than the limit of 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := chartFS(map[string]string{"charts/app/templates/cm.yaml": tt.template})
			r := &Renderer{Git: &mapFetcher{fsys: fsys}, AllowHosts: []string{"git.example.com"}, Timeout: tt.timeout, MaxOutputBytes: 1000}
			_, err := r.NewRun().Render(context.Background(), ChartSource{RepoURL: "https://git.example.com/org/charts", Path: "charts/app"}, nil, Release{Name: "rel"})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestHostNotAllowed(t *testing.T) {
	fetcher := &mapFetcher{fsys: chartFS(nil)}
	r := &Renderer{Git: fetcher, AllowHosts: []string{"github.com", "*.example.org"}}
	for _, repoURL := range []string{
		"https://evil.example.com/org/charts",
		"git@evil.example.com:org/charts.git",
		"https://example.org.evil.com/charts",
		"oci://registry.evil.com/charts",
		"http://127.0.0.1:1/charts",
	} {
		_, err := r.NewRun().Render(context.Background(), ChartSource{RepoURL: repoURL, Path: "charts/app"}, nil, Release{})
		if !errors.Is(err, ErrHostNotAllowed) || !strings.Contains(err.Error(), "gitops.chart_hosts") {
			t.Errorf("%s: err = %v, want ErrHostNotAllowed naming gitops.chart_hosts", repoURL, err)
		}
	}
	if n := fetcher.fetches.Load(); n != 0 {
		t.Errorf("%d fetches of refused hosts", n)
	}
	for _, repoURL := range []string{"https://github.com/uc-cdis/gen3-helm", "https://charts.example.org/x", "git@GitHub.com:uc-cdis/gen3-helm.git"} {
		if err := r.NewRun().checkHost(repoURL); err != nil {
			t.Errorf("%s refused: %v", repoURL, err)
		}
	}
}

func TestRunConcurrent(t *testing.T) {
	r, fetcher := gen3Renderer()
	run := r.NewRun()
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Go(func() {
			m, err := run.Render(context.Background(), gen3Source, gen3Values(t), gen3Release)
			if err != nil {
				t.Error(err)
			}
			counts[i] = len(m.Objects)
		})
	}
	wg.Wait()
	if n := fetcher.fetches.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
	for _, n := range counts[1:] {
		if n != counts[0] {
			t.Errorf("object counts differ: %v", counts)
		}
	}
}

func BenchmarkRenderGen3(b *testing.B) {
	values := gen3Values(b)
	r, _ := gen3Renderer()
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.NewRun().Render(context.Background(), gen3Source, values, gen3Release); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		run := r.NewRun()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := run.Render(context.Background(), gen3Source, values, gen3Release); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestRunChartCopies renders a chart whose dependency processing changes
// it (an alias, a condition) several times in one Run, with the values
// deciding differently each time: each render starts from the chart as
// read.
func TestRunChartCopies(t *testing.T) {
	fsys := chartFS(map[string]string{
		"charts/app/Chart.yaml":        "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: sub\n    version: \"*\"\n    repository: file://../sub\n    alias: first\n    condition: first.enabled\n  - name: sub\n    version: \"*\"\n    repository: file://../sub\n    alias: second\n    condition: second.enabled\n",
		"charts/app/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
		"charts/sub/Chart.yaml":        "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
		"charts/sub/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}\n",
	})
	r := &Renderer{Git: &mapFetcher{fsys: fsys}, AllowHosts: []string{"git.example.com"}}
	run := r.NewRun()
	src := ChartSource{RepoURL: "https://git.example.com/org/charts", Path: "charts/app", Revision: "main"}
	enabled := func(first, second bool) map[string]any {
		return map[string]any{"first": map[string]any{"enabled": first}, "second": map[string]any{"enabled": second}}
	}
	for _, tt := range []struct {
		values map[string]any
		want   []string
	}{
		{enabled(true, false), []string{"app", "first"}},
		{enabled(false, true), []string{"app", "second"}},
		{enabled(true, true), []string{"app", "first", "second"}},
		{enabled(false, false), []string{"app"}},
	} {
		m, err := run.Render(context.Background(), src, tt.values, Release{Name: "rel"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range m.Objects {
			names = append(names, o.Name)
		}
		if !reflect.DeepEqual(names, tt.want) {
			t.Errorf("values %v rendered %q, want %q", tt.values, names, tt.want)
		}
	}
}

// BenchmarkCompareGen3 renders a release pull request of one application
// (six image tags bumped) both ways: two whole renders and DiffObjects, and
// Compare, which leaves the subcharts whose values are unchanged out.
func BenchmarkCompareGen3(b *testing.B) {
	r, _ := gen3Renderer()
	before, after := gen3Values(b), gen3Values(b)
	for _, c := range []string{"arborist", "indexd", "manifestservice", "peregrine", "revproxy", "sheepdog"} {
		setPath(after, c+".image.tag", "2026.05")
	}
	ctx := context.Background()
	b.Run("render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			run := r.NewRun()
			m1, err := run.Render(ctx, gen3Source, before, gen3Release)
			if err != nil {
				b.Fatal(err)
			}
			m2, err := run.Render(ctx, gen3Source, after, gen3Release)
			if err != nil {
				b.Fatal(err)
			}
			DiffObjects(m1.Objects, m2.Objects)
		}
	})
	b.Run("compare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.NewRun().Compare(ctx, &Side{gen3Source, before, gen3Release}, &Side{gen3Source, after, gen3Release}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
