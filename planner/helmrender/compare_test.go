package helmrender

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestCompareGen3 checks that Compare, which leaves unchanged subcharts
// out, finds exactly what two whole renders and DiffObjects find.
func TestCompareGen3(t *testing.T) {
	tests := []struct {
		name         string
		base, head   func(map[string]any)
		wantPruned   []string // nil: whole renders
		wantChanges  int      // at least
		nilBase      bool
		nilHead      bool
		otherRelease bool
	}{
		{name: "one tag", head: func(v map[string]any) { setPath(v, "peregrine.image.tag", "2026.05") },
			wantPruned: []string{"arborist", "aws-sigv4-proxy", "etl", "fence", "indexd", "manifestservice", "portal", "revproxy", "sheepdog"}, wantChanges: 1},
		{name: "release bump", head: func(v map[string]any) {
			for _, c := range []string{"arborist", "indexd", "manifestservice", "peregrine", "revproxy", "sheepdog"} {
				setPath(v, c+".image.tag", "2026.05")
			}
		}, wantPruned: []string{"aws-sigv4-proxy", "etl", "portal"}, wantChanges: 6}, // sheepdog defines fence's "fence.postgres.password" too
		{name: "enable a subchart", base: func(v map[string]any) { setPath(v, "etl.enabled", false) },
			wantPruned: []string{"arborist", "aws-sigv4-proxy", "fence", "indexd", "manifestservice", "peregrine", "portal", "revproxy", "sheepdog"}, wantChanges: 1},
		{name: "global change", head: func(v map[string]any) { setPath(v, "global.hostname", "example.org") }, wantChanges: 5},
		{name: "parent-level key", head: func(v map[string]any) { setPath(v, "tests.image.tag", "2026.05") }},
		{name: "no change", wantPruned: []string{"arborist", "aws-sigv4-proxy", "etl", "fence", "indexd", "manifestservice", "peregrine", "portal", "revproxy", "sheepdog"}},
		{name: "other release", otherRelease: true, head: func(v map[string]any) { setPath(v, "peregrine.image.tag", "2026.05") }, wantChanges: 20},
		{name: "added", nilBase: true, wantChanges: 50},
		{name: "removed", nilHead: true, wantChanges: 50},
	}
	r, _ := gen3Renderer()
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := r.NewRun()
			bv, av := gen3Values(t), gen3Values(t)
			if tt.base != nil {
				tt.base(bv)
			}
			if tt.head != nil {
				tt.head(av)
			}
			before := &Side{Source: gen3Source, Values: bv, Release: gen3Release}
			after := &Side{Source: gen3Source, Values: av, Release: gen3Release}
			if tt.otherRelease {
				after.Release.Name = "other"
			}
			var want []ObjectChange
			var full [2][]Object
			for i, s := range []*Side{before, after} {
				if (i == 0 && tt.nilBase) || (i == 1 && tt.nilHead) {
					continue
				}
				m, err := run.Render(ctx, s.Source, s.Values, s.Release)
				if err != nil {
					t.Fatal(err)
				}
				full[i] = m.Objects
			}
			want = DiffObjects(full[0], full[1])
			if len(want) < tt.wantChanges {
				t.Fatalf("%d changes in the whole renders, want at least %d: the case tests too little", len(want), tt.wantChanges)
			}

			if tt.nilBase {
				before = nil
			}
			if tt.nilHead {
				after = nil
			}
			got, err := run.Compare(ctx, before, after)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Compare found %d changes, whole renders %d", len(got), len(want))
				for i := range min(len(got), len(want)) {
					if got[i] != want[i] {
						t.Errorf("first difference:\n%+v\nwant\n%+v", got[i], want[i])
						break
					}
				}
			}

			if before == nil || after == nil {
				return
			}
			b, err := run.prepare(ctx, before.Source, before.Values, before.Release)
			if err != nil {
				t.Fatal(err)
			}
			a, err := run.prepare(ctx, after.Source, after.Values, after.Release)
			if err != nil {
				t.Fatal(err)
			}
			pruned := slices.Sorted(maps.Keys(prunable(before.Values, after.Values, b, a)))
			if !slices.Equal(pruned, tt.wantPruned) {
				t.Errorf("pruned %q, want %q", pruned, tt.wantPruned)
			}
		})
	}
}

// TestComparePrunedFallback leaves out a subchart whose named template the
// parent includes under a computed name: the smaller render fails, and
// Compare renders the whole charts.
func TestComparePrunedFallback(t *testing.T) {
	fsys := chartFS(map[string]string{
		"charts/app/Chart.yaml": `apiVersion: v2
name: app
version: 1.0.0
dependencies:
  - name: helper
    version: "*"
    repository: file://../helper
  - name: changed
    version: "*"
    repository: file://../changed
`,
		"charts/app/templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  greeting: {{ include (printf "%s.greeting" "helper") . | quote }}
`,
		"charts/helper/Chart.yaml":             "apiVersion: v2\nname: helper\nversion: 0.1.0\n",
		"charts/helper/templates/_helpers.tpl": `{{- define "helper.greeting" -}}hi{{- end -}}`,
		"charts/changed/Chart.yaml":            "apiVersion: v2\nname: changed\nversion: 0.1.0\n",
		"charts/changed/values.yaml":           "tag: v1\n",
		"charts/changed/templates/cm.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: changed\ndata:\n  tag: {{ .Values.tag }}\n",
	})
	r := &Renderer{Git: &mapFetcher{fsys: fsys}, AllowHosts: []string{"git.example.com"}}
	src := ChartSource{RepoURL: "https://git.example.com/org/charts", Path: "charts/app", Revision: "main"}
	rel := Release{Name: "rel", Namespace: "apps"}
	before := &Side{Source: src, Values: map[string]any{}, Release: rel}
	after := &Side{Source: src, Values: map[string]any{"changed": map[string]any{"tag": "v2"}}, Release: rel}
	run := r.NewRun()
	b, err := run.prepare(context.Background(), src, before.Values, rel)
	if err != nil {
		t.Fatal(err)
	}
	a, err := run.prepare(context.Background(), src, after.Values, rel)
	if err != nil {
		t.Fatal(err)
	}
	if p := prunable(before.Values, after.Values, b, a); !p["helper"] {
		t.Fatalf("pruned %v, want helper: the case tests no fallback", p)
	}
	got, err := run.Compare(context.Background(), before, after)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "changed" || !strings.Contains(got[0].Diff, "+  tag: v2") {
		t.Errorf("changes %+v, want the changed ConfigMap's tag", got)
	}
}

func TestCompareErrors(t *testing.T) {
	fsys := chartFS(map[string]string{
		"charts/app/templates/cm.yaml": `{{ required "image.repository is required" .Values.image.repository }}`,
	})
	r := &Renderer{Git: &mapFetcher{fsys: fsys}, AllowHosts: []string{"git.example.com"}}
	src := ChartSource{RepoURL: "https://git.example.com/org/charts", Path: "charts/app", Revision: "main"}
	ok := &Side{Source: src, Values: map[string]any{"image": map[string]any{"repository": "r"}}}
	bad := &Side{Source: src}
	refused := &Side{Source: ChartSource{RepoURL: "https://evil.example.com/charts", Path: "charts/app"}}
	tests := []struct {
		name               string
		before, after      *Side
		wantBase, wantHead string
		wantHostNotAllowed bool
	}{
		{name: "head fails", before: ok, after: bad, wantHead: "image.repository is required"},
		{name: "base fails", before: bad, after: ok, wantBase: "image.repository is required"},
		{name: "both fail", before: bad, after: refused, wantBase: "image.repository is required", wantHead: "not allowed", wantHostNotAllowed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.NewRun().Compare(context.Background(), tt.before, tt.after)
			var ce *CompareError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *CompareError", err)
			}
			for _, c := range []struct {
				err  error
				want string
			}{{ce.Base, tt.wantBase}, {ce.Head, tt.wantHead}} {
				if (c.want == "") != (c.err == nil) || (c.err != nil && !strings.Contains(c.err.Error(), c.want)) {
					t.Errorf("side error %v, want %q", c.err, c.want)
				}
			}
			if errors.Is(err, ErrHostNotAllowed) != tt.wantHostNotAllowed {
				t.Errorf("errors.Is(err, ErrHostNotAllowed) = %v", !tt.wantHostNotAllowed)
			}
			if tt.wantBase != "" && !strings.Contains(err.Error(), "at the base: ") || tt.wantHead != "" && !strings.Contains(err.Error(), "at the head: ") {
				t.Errorf("err = %v, want it to name the side", err)
			}
		})
	}
}
