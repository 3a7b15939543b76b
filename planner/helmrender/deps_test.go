package helmrender

import (
	"context"
	"log/slog"
	"reflect"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	depsutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"sigs.k8s.io/yaml"
)

// sameProcessed fails t unless a and b (processed charts) have the same
// metadata, values and subcharts, at every level.
func sameProcessed(t *testing.T, where string, a, b *chart.Chart) {
	t.Helper()
	if !reflect.DeepEqual(a.Metadata, b.Metadata) {
		t.Fatalf("%s: metadata %+v, Helm's %+v", where, a.Metadata, b.Metadata)
	}
	if !reflect.DeepEqual(a.Values, b.Values) {
		t.Fatalf("%s: values %v, Helm's %v", where, a.Values, b.Values)
	}
	ad, bd := a.Dependencies(), b.Dependencies()
	if len(ad) != len(bd) {
		t.Fatalf("%s: %d subcharts, Helm's %d", where, len(ad), len(bd))
	}
	for i := range ad {
		sameProcessed(t, where+"/"+bd[i].Name(), ad[i], bd[i])
	}
}

// checkProcessing processes two copies of c, with Helm's
// ProcessDependencies and with processDependencies, and compares them.
// cache, when not nil, is processDependencies' cache.
func checkProcessing(t *testing.T, c *chart.Chart, values map[string]any, cache *mergeCache) {
	t.Helper()
	want, got := cloneChart(c), cloneChart(c)
	wantErr := depsutil.ProcessDependencies(want, copyTree(values).(map[string]any))
	err := processDependencies(slog.New(slog.DiscardHandler), got, copyTree(values).(map[string]any), cache)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("error %v, Helm's %v", err, wantErr)
	}
	if err == nil {
		sameProcessed(t, c.Name(), got, want)
	}
}

func TestProcessDependenciesGen3(t *testing.T) {
	all := gen3Values(t)
	for _, c := range []string{"arborist", "aws-sigv4-proxy", "etl", "fence", "indexd", "manifestservice", "peregrine", "portal", "revproxy", "sheepdog"} {
		setPath(all, c+".enabled", true)
	}
	off := gen3Values(t)
	setPath(off, "global.postgres.dbCreate", false)
	setPath(off, "tags.db", false)
	run := func() *Run { r, _ := gen3Renderer(); return r.NewRun() }()
	for name, vals := range map[string]map[string]any{"diseasedatahub": gen3Values(t), "all enabled": all, "tags and globals": off} {
		t.Run(name, func(t *testing.T) {
			c, _, err := run.loadSource(context.Background(), gen3Source, vals)
			if err != nil {
				t.Fatal(err)
			}
			checkProcessing(t, c, vals, nil)
			// Filled, then used.
			cache := &mergeCache{}
			for range 2 {
				checkProcessing(t, c, vals, cache)
			}
			if len(cache.entries) == 0 {
				t.Fatal("nothing cached")
			}
		})
	}
}

// depsChart is an umbrella chart whose vendored subcharts have subcharts
// of their own: aliases, conditions and tags at each level, import-values,
// and values keys that name charts at another level.
func depsChart(t *testing.T) *chart.Chart {
	t.Helper()
	files := map[string]string{
		"Chart.yaml": `apiVersion: v2
name: top
version: 1.0.0
dependencies:
  - {name: mid, version: "*", condition: mid.enabled}
  - {name: mid, alias: mid2, version: "*", condition: mid2.enabled}
  - {name: leaf, version: "*", tags: [leaves], import-values: [data, {child: cfg, parent: fromleaf}]}
`,
		"values.yaml": "mid:\n  enabled: true\nmid2:\n  enabled: false\nleaf:\n  x: 1\ninner:\n  top: set\nglobal:\n  g: 1\n",
		"charts/mid/Chart.yaml": `apiVersion: v2
name: mid
version: 1.0.0
dependencies:
  - {name: inner, version: "*", condition: inner.enabled}
  - {name: inner, alias: other, version: "*", condition: other.on,global.other}
  - {name: leaf, version: "*", tags: [midleaf], import-values: [data]}
`,
		"charts/mid/values.yaml":                          "inner:\n  enabled: true\nother:\n  on: null\nmid: {self: 1}\ntags:\n  midleaf: true\n",
		"charts/mid/charts/inner/Chart.yaml":              "apiVersion: v2\nname: inner\nversion: 1.0.0\ndependencies:\n  - {name: leaf, version: \"*\", condition: leaf.on}\n",
		"charts/mid/charts/inner/values.yaml":             "leaf:\n  on: true\nz: [1, 2]\n",
		"charts/mid/charts/inner/charts/leaf/Chart.yaml":  "apiVersion: v2\nname: leaf\nversion: 1.0.0\n",
		"charts/mid/charts/inner/charts/leaf/values.yaml": "exports:\n  data:\n    exported: yes\ncfg:\n  a: b\n",
		"charts/mid/charts/leaf/Chart.yaml":               "apiVersion: v2\nname: leaf\nversion: 1.0.0\n",
		"charts/mid/charts/leaf/values.yaml":              "exports:\n  data:\n    fromMid: 1\n",
		"charts/leaf/Chart.yaml":                          "apiVersion: v2\nname: leaf\nversion: 1.0.0\n",
		"charts/leaf/values.yaml":                         "exports:\n  data:\n    exported: top\ncfg:\n  c: d\nnothing: ~\n",
	}
	var bf []*archive.BufferedFile
	for name, data := range files {
		bf = append(bf, &archive.BufferedFile{Name: name, Data: []byte(data)})
	}
	c, err := loadFiles(bf)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestProcessDependencies(t *testing.T) {
	tests := []struct {
		name, values string
	}{
		{name: "defaults"},
		{name: "alias enabled", values: "mid2:\n  enabled: true\n  other: {on: true}\n"},
		{name: "nested condition from the user", values: "mid:\n  inner:\n    enabled: false\n"},
		{name: "global decides a nested alias", values: "global:\n  other: true\n"},
		{name: "tags", values: "tags:\n  leaves: false\n  midleaf: false\n"},
		{name: "non-bool condition", values: "mid:\n  enabled: \"yes\"\n"},
		{name: "null removes a default", values: "mid: null\nleaf:\n  x: null\n"},
		{name: "type mismatch", values: "mid:\n  inner: 3\n"},
		{name: "parent's key naming a nested chart", values: "inner:\n  enabled: false\nleaf:\n  on: false\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var vals map[string]any
			if err := yaml.Unmarshal([]byte(tt.values), &vals); err != nil {
				t.Fatal(err)
			}
			c := depsChart(t)
			checkProcessing(t, c, vals, nil)
			cache := &mergeCache{}
			for range 2 {
				checkProcessing(t, c, vals, cache)
			}
		})
	}
}

func TestCopyTree(t *testing.T) {
	in := map[string]any{"a": []any{map[string]any{"b": 1}}, "v": common.Values{"c": map[string]any{}}, "n": nil, "m": map[string]any(nil)}
	out := copyTree(in).(map[string]any)
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("copy %v, want %v", out, in)
	}
	out["a"].([]any)[0].(map[string]any)["b"] = 2
	out["v"].(common.Values)["c"].(map[string]any)["d"] = 1
	if in["a"].([]any)[0].(map[string]any)["b"] != 1 || len(in["v"].(common.Values)["c"].(map[string]any)) != 0 {
		t.Fatalf("the copy shares tables with %v", in)
	}
}
