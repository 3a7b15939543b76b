package gitops

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// corpusDir holds unmodified files of uc-cdis/gen3-gitops (see its README).
var corpusDir = filepath.Join("..", "..", "testdata", "gen3-gitops")

const (
	gen3Helm   = "https://github.com/uc-cdis/gen3-helm"
	gen3GitOps = "https://github.com/uc-cdis/gen3-gitops.git"
)

// gen3App is an Application of the corpus's shape: the gen3 umbrella
// chart from gen3-helm with value files from the gitops repository.
func gen3App(file, wrapper, dir, name, release, revision, namespace string, valueFiles ...string) Application {
	cluster, _, _ := strings.Cut(dir, "/")
	return Application{
		Name: name, Namespace: "argocd", Project: "default", File: file, Wrapper: wrapper,
		Sources: []Source{
			{RepoURL: gen3Helm, Path: "helm/gen3", TargetRevision: revision, Helm: &Helm{ReleaseName: release, ValueFiles: valueFiles}},
			{RepoURL: gen3GitOps, TargetRevision: "master", Ref: "values", Self: true},
		},
		Destination: Destination{Server: "https://kubernetes.default.svc", Namespace: namespace},
		Dir:         dir, Cluster: cluster,
	}
}

func corpusApps() []Application {
	const ddh = "$values/unfunded/diseasedatahub.org/values/"
	return []Application{
		gen3App("emalinowskiv1/emalinowskiv1.planx-pla.net/templates/app.yaml", "", "emalinowskiv1/emalinowskiv1.planx-pla.net",
			"gen3-emalinowskiv1", "emalinowskiv1", "master", "emalinowskiv1-helm",
			"$values/emalinowskiv1/emalinowskiv1.planx-pla.net/values/values.yaml"),
		gen3App("midrcprod/data.midrc.org/templates/app.yaml", "midrcprod/data.midrc.org", "midrcprod/data.midrc.org",
			"gen3-midrcprod", "gen3-midrcprod", "feat/deployment-canary", "midrcprod-helm",
			"$values/midrcprod/data.midrc.org/values/values.yaml"),
		gen3App("midrcprod/staging.midrc.org/templates/app.yaml", "", "midrcprod/staging.midrc.org",
			"gen3-midrcstaging", "gen3-midrcstaging", "feat/deployment-canary", "midrcstaging-helm",
			"$values/midrcprod/staging.midrc.org/values/values.yaml"),
		gen3App("unfunded/diseasedatahub.org/templates/app.yaml", "unfunded/diseasedatahub.org", "unfunded/diseasedatahub.org",
			"gen3-niaiddata", "niaiddata", "master", "diseasedatahub",
			ddh+"values.yaml", ddh+"fence.yaml", ddh+"portal.yaml", ddh+"guppy.yaml", ddh+"hatchery.yaml", ddh+"etl.yaml"),
	}
}

func TestDiscoverCorpus(t *testing.T) {
	for _, tt := range []struct {
		name   string
		isSelf func(string) bool
	}{
		{"nil IsSelf", nil},
		{"IsSelf", func(u string) bool { return u == gen3GitOps }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			apps, problems, err := Discover(context.Background(), os.DirFS(corpusDir), Options{IsSelf: tt.isSelf})
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != 0 {
				t.Errorf("problems: %v", problems)
			}
			want := corpusApps()
			if len(apps) != len(want) {
				t.Fatalf("found %d applications, want %d: %+v", len(apps), len(want), apps)
			}
			for i := range want {
				if !reflect.DeepEqual(apps[i], want[i]) {
					t.Errorf("application %d:\n got %+v\nwant %+v", i, apps[i], want[i])
				}
			}
		})
	}
}

func TestDiscoverCorpusValueFiles(t *testing.T) {
	apps, _, err := Discover(context.Background(), os.DirFS(corpusDir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ddh []string
	for _, a := range apps {
		if a.Name != "gen3-niaiddata" {
			continue
		}
		for _, vf := range a.ValueFiles() {
			if vf.Repo != SelfRepo {
				t.Errorf("%s: repo %q, want self", vf.Raw, vf.Repo)
			}
			if _, err := fs.Stat(os.DirFS(corpusDir), vf.Path); err != nil {
				t.Errorf("%s: %v", vf.Raw, err)
			}
			ddh = append(ddh, strings.TrimPrefix(vf.Path, "unfunded/diseasedatahub.org/values/"))
		}
	}
	want := []string{"values.yaml", "fence.yaml", "portal.yaml", "guppy.yaml", "hatchery.yaml", "etl.yaml"}
	if !reflect.DeepEqual(ddh, want) {
		t.Errorf("diseasedatahub value files %v, want %v", ddh, want)
	}
}

// tree writes files into a temporary folder and returns it as an fs.FS.
func tree(t testing.TB, files map[string]string) fs.FS {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return os.DirFS(dir)
}

const chartYAML = "apiVersion: v2\nname: wrapper\nversion: 0.1.0\n"

const multiDoc = `---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: one
  namespace: argocd
spec:
  project: prod
  sources:
    - repoURL: https://github.com/org/charts
      chart: web
      targetRevision: 1.2.3
      helm:
        valueFiles: [$cfg/prod/web.yaml]
    - repoURL: https://github.com/org/gitops
      ref: cfg
  destination: {name: prod, namespace: web}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-an-app}
---
# only a comment
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: two}
spec:
  source: {repoURL: https://github.com/org/gitops, path: manifests/two}
`

const singleSource = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  source:
    repoURL: https://github.com/org/gitops
    path: charts/web
    targetRevision: main
    helm:
      releaseName: web-prod
      valueFiles: [values-prod.yaml, ../common.yaml]
      values: |
        replicas: 3
      valuesObject:
        image: {tag: "2026.10"}
        replicas: 2
  destination: {server: https://kubernetes.default.svc, namespace: web}
`

const templatedApp = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ include "wrapper.name" . }}
  namespace: {{ .Release.Namespace }}
spec:
  project: {{ .Values.project }}
  sources:
    - repoURL: https://github.com/uc-cdis/gen3-helm
      path: helm/gen3
      targetRevision: {{ .Values.revision | quote }}
      helm:
        valueFiles:
        {{- range .Values.files }}
          - $values/{{ $.Values.dir }}/{{ . }}
        {{- end }}
    - repoURL: https://github.com/org/gitops
      ref: values
  destination:
    namespace: {{ .Values.name }}
`

const appHeader = "apiVersion: argoproj.io/v1alpha1\nkind: \"Application\" # templated\n"

func TestDiscoverSynthetic(t *testing.T) {
	const self = "https://github.com/org/gitops"
	isSelf := func(u string) bool { return u == self }
	tests := []struct {
		name         string
		files        map[string]string
		opts         Options
		want         []Application
		wantProblems []Problem // Message is matched as a substring
	}{
		{
			name:  "plain multi-document manifest",
			files: map[string]string{"prod/apps/all.yaml": multiDoc},
			opts:  Options{IsSelf: isSelf},
			want: []Application{
				{
					Name: "one", Namespace: "argocd", Project: "prod", File: "prod/apps/all.yaml", Dir: "prod", Cluster: "prod",
					Sources: []Source{
						{RepoURL: "https://github.com/org/charts", Chart: "web", TargetRevision: "1.2.3", Helm: &Helm{ValueFiles: []string{"$cfg/prod/web.yaml"}}},
						{RepoURL: self, Ref: "cfg", Self: true},
					},
					Destination: Destination{Name: "prod", Namespace: "web"},
				},
				{
					Name: "two", File: "prod/apps/all.yaml", Dir: "prod", Cluster: "prod",
					Sources: []Source{{RepoURL: self, Path: "manifests/two", Self: true}},
				},
			},
		},
		{
			name:  "single source with helm valueFiles, values and valuesObject",
			files: map[string]string{"c1/web/app.yaml": singleSource},
			opts:  Options{IsSelf: isSelf},
			want: []Application{{
				Name: "web", Namespace: "argocd", File: "c1/web/app.yaml", Dir: "c1/web", Cluster: "c1",
				Sources: []Source{{
					RepoURL: self, Path: "charts/web", TargetRevision: "main", Self: true,
					Helm: &Helm{
						ReleaseName:  "web-prod",
						ValueFiles:   []string{"values-prod.yaml", "../common.yaml"},
						Values:       "replicas: 3\n",
						ValuesObject: map[string]any{"image": map[string]any{"tag": "2026.10"}, "replicas": float64(2)},
					},
				}},
				Destination: Destination{Server: "https://kubernetes.default.svc", Namespace: "web"},
			}},
		},
		{
			name: "templated wrapper chart",
			files: map[string]string{
				"c2/host.org/Chart.yaml":             chartYAML,
				"c2/host.org/values.yaml":            "name: portal\nproject: gen3\nrevision: 2026.10\ndir: c2/host.org/values\nfiles: [values.yaml, fence.yaml]\n",
				"c2/host.org/templates/_helpers.tpl": `{{ define "wrapper.name" }}gen3-{{ .Values.name }}{{ end }}`,
				"c2/host.org/templates/app.yaml":     templatedApp,
				"c2/host.org/templates/NOTES.txt":    "argoproj.io {{ .Values.name }}",
				"c2/host.org/values/values.yaml":     "global: {}\n",
			},
			want: []Application{{
				Name: "gen3-portal", Namespace: "argocd", Project: "gen3", File: "c2/host.org/templates/app.yaml",
				Wrapper: "c2/host.org", Dir: "c2/host.org", Cluster: "c2",
				Sources: []Source{
					{RepoURL: gen3Helm, Path: "helm/gen3", TargetRevision: "2026.1", Helm: &Helm{ValueFiles: []string{
						"$values/c2/host.org/values/values.yaml", "$values/c2/host.org/values/fence.yaml"}}},
					{RepoURL: self, Ref: "values", Self: true},
				},
				Destination: Destination{Namespace: "portal"},
			}},
		},
		{
			name: "app of apps wrapper with a subchart",
			files: map[string]string{
				"ops/root/Chart.yaml":                    chartYAML,
				"ops/root/values.yaml":                   "apps: [a, b]\nsub: {name: from-parent}\n",
				"ops/root/templates/apps.yaml":           "{{ range .Values.apps }}\n---\n" + appHeader + "metadata: {name: {{ . }}}\n{{ end }}",
				"ops/root/charts/sub/Chart.yaml":         "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
				"ops/root/charts/sub/values.yaml":        "name: default\n",
				"ops/root/charts/sub/templates/app.yaml": appHeader + "metadata: {name: {{ .Values.name }}}\n",
			},
			want: []Application{
				{Name: "from-parent", File: "ops/root/charts/sub/templates/app.yaml", Wrapper: "ops/root", Dir: "ops/root", Cluster: "ops"},
				{Name: "a", File: "ops/root/templates/apps.yaml", Wrapper: "ops/root", Dir: "ops/root", Cluster: "ops"},
				{Name: "b", File: "ops/root/templates/apps.yaml", Wrapper: "ops/root", Dir: "ops/root", Cluster: "ops"},
			},
		},
		{
			name: "broken wrapper template",
			files: map[string]string{
				"c3/broken/Chart.yaml":         chartYAML,
				"c3/broken/templates/app.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {{ .Values.name | nosuchfunc }}\n",
			},
			wantProblems: []Problem{{File: "c3/broken", Message: `function "nosuchfunc" not defined`}},
		},
		{
			name: "wrapper calling fail",
			files: map[string]string{
				"c3/fails/Chart.yaml":         chartYAML,
				"c3/fails/templates/app.yaml": appHeader + "{{ fail \"set .Values.name\" }}\n",
			},
			wantProblems: []Problem{{File: "c3/fails", Message: "set .Values.name"}},
		},
		{
			name: "wrapper chart without Chart.yaml fields",
			files: map[string]string{
				"c3/bad/Chart.yaml":         "name: [\n",
				"c3/bad/templates/app.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\n",
			},
			wantProblems: []Problem{{File: "c3/bad", Message: "Chart.yaml"}},
		},
		{
			name: "rendering too long",
			files: map[string]string{
				"c3/slow/Chart.yaml":         chartYAML,
				"c3/slow/templates/app.yaml": appHeader + "{{ range until 300000 }}{{ end }}",
			},
			opts:         Options{RenderTimeout: time.Nanosecond},
			wantProblems: []Problem{{File: "c3/slow", Message: "took longer than"}},
		},
		{
			name: "documents that are not Applications",
			files: map[string]string{
				"c4/deploy.yaml":             "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
				"c4/appset.yaml":             "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: set}\n",
				"c4/app.yaml":                "apiVersion: example.com/v1\nkind: Application\nmetadata: {name: not-argo}\n",
				"c4/list.yaml":               "- argoproj.io\n- 1\n",
				"c4/README.md":               "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: md}\n",
				"c4/chart/Chart.yaml":        chartYAML,
				"c4/chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.missing.key }}\n  annotations: {argocd.argoproj.io/sync-wave: '-1'}\n",
				".github/app.yaml":           "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: hidden}\n",
			},
		},
		{
			name: "invalid manifests",
			files: map[string]string{
				"c5/a.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: [\n",
				"c5/b.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: b}\nspec: {source: {helm: {values: {a: 1}}}}\n",
				"c5/c.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {namespace: argocd}\n",
			},
			wantProblems: []Problem{
				{File: "c5/a.yaml", Message: "line 1: not valid YAML"},
				{File: "c5/b.yaml", Message: "values"},
				{File: "c5/c.yaml", Message: "no metadata.name"},
			},
		},
		{
			name:         "file over the size bound",
			files:        map[string]string{"c6/big.yaml": "# argoproj.io\n" + strings.Repeat("x: 1\n", 100)},
			opts:         Options{MaxFileBytes: 100},
			wantProblems: []Problem{{File: "c6/big.yaml", Message: "larger than 100 bytes"}},
		},
		{
			name: "unknown ref and duplicate name",
			files: map[string]string{
				"c7/a.yaml": "apiVersion: argoproj.io/v1\nkind: Application\nmetadata: {name: a}\nspec: {sources: [{repoURL: r, path: p, helm: {valueFiles: [$vals/x.yaml]}}]}\n",
				"c7/b.yaml": "apiVersion: argoproj.io/v1\nkind: Application\nmetadata: {name: a}\n",
			},
			want: []Application{
				{Name: "a", File: "c7/a.yaml", Dir: "c7", Cluster: "c7", Sources: []Source{{RepoURL: "r", Path: "p", Helm: &Helm{ValueFiles: []string{"$vals/x.yaml"}}}}},
				{Name: "a", File: "c7/b.yaml", Dir: "c7", Cluster: "c7"},
			},
			wantProblems: []Problem{
				{File: "c7/a.yaml", Message: "no source has `ref: vals`"},
				{File: "c7/b.yaml", Message: "also defined in c7/a.yaml"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apps, problems, err := Discover(context.Background(), tree(t, tt.files), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(apps, tt.want) {
				t.Errorf("applications:\n got %+v\nwant %+v", apps, tt.want)
			}
			if len(problems) != len(tt.wantProblems) {
				t.Fatalf("problems %+v, want %+v", problems, tt.wantProblems)
			}
			for i, p := range problems {
				w := tt.wantProblems[i]
				if p.File != w.File || !strings.Contains(p.Message, w.Message) {
					t.Errorf("problem %d = %+v, want file %s and a message containing %q", i, p, w.File, w.Message)
				}
			}
		})
	}
}

func TestDiscoverBounds(t *testing.T) {
	fsys := tree(t, map[string]string{
		"a.yaml": "apiVersion: argoproj.io/v1\nkind: Application\nmetadata: {name: a}\n",
		"b.yaml": "apiVersion: argoproj.io/v1\nkind: Application\nmetadata: {name: b}\n",
		"c.txt":  "c",
	})
	for _, tt := range []struct {
		name string
		opts Options
		want string
	}{
		{"files", Options{MaxFiles: 2}, "more than 2 files"},
		{"total bytes", Options{MaxTotalBytes: 100}, "more than 100 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Discover(context.Background(), fsys, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, _, err := Discover(ctx, fsys, Options{}); err == nil {
			t.Error("no error for a cancelled context")
		}
	})
}

// TestDiscoverHelmCorpus walks every chart of uc-cdis/gen3-helm from the
// shared corpus: plain charts (some with argocd.argoproj.io annotations)
// are not rendered, and the app-of-apps cluster-level-resources chart
// renders no Application with its default values (all disabled).
func TestDiscoverHelmCorpus(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "corpus", "gen3", "uc-cdis", "gen3-helm")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("shared Gen3 corpus not available: %v", err)
	}
	apps, problems, err := Discover(context.Background(), os.DirFS(root), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Errorf("problems: %+v", problems)
	}
	if len(apps) != 1 || apps[0].File != "helm/cluster-level-resources/App.yaml" || apps[0].Dir != "helm/cluster-level-resources" {
		t.Errorf("applications %+v, want helm/cluster-level-resources/App.yaml alone", apps)
	}
}
