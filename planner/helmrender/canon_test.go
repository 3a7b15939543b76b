package helmrender

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"sigs.k8s.io/yaml"
)

// checkCanonical fails t when canonicalYAML and sigs.k8s.io/yaml.Marshal
// write the tree doc decodes to differently.
func checkCanonical(t *testing.T, doc string) {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
		return
	}
	want, wantErr := yaml.Marshal(v)
	got, err := canonicalYAML(v)
	if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
		t.Fatalf("canonicalYAML of\n%s\n= %q (%v), yaml.Marshal = %q (%v)", doc, got, err, want, wantErr)
	}
}

// TestCanonicalYAMLGen3 checks canonicalYAML against yaml.Marshal on every
// document the gen3 chart renders, with the subcharts the test values
// leave disabled enabled too.
func TestCanonicalYAMLGen3(t *testing.T) {
	r, _ := gen3Renderer()
	run := r.NewRun()
	all := gen3Values(t)
	for _, c := range []string{"arborist", "aws-sigv4-proxy", "etl", "fence", "indexd", "manifestservice", "peregrine", "portal", "revproxy", "sheepdog"} {
		setPath(all, c+".enabled", true)
	}
	docs := 0
	for _, vals := range []map[string]any{gen3Values(t), all} {
		p, err := run.prepare(context.Background(), gen3Source, vals, gen3Release)
		if err != nil {
			t.Fatal(err)
		}
		out, err := run.templates(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		for _, rendered := range out {
			for _, doc := range releaseutil.SplitManifests(rendered) {
				checkCanonical(t, doc)
				docs++
			}
		}
	}
	if docs < 100 {
		t.Fatalf("checked %d documents, want the whole chart's", docs)
	}
}

func TestTemplateScans(t *testing.T) {
	tests := []struct {
		name, data    string
		defines, uses []string
		subcharts     bool
	}{
		{name: "define and include", data: `{{- define "a.name" -}}{{ include "b.name" . }}{{ template "c" . }}{{- end -}}`,
			defines: []string{"a.name"}, uses: []string{"b.name", "c"}},
		{name: "block", data: `{{ block "x" . }}{{ end }}`, defines: []string{"x"}},
		{name: "computed name", data: `{{ include (printf "%s.x" .Chart.Name) . }}`},
		{name: "subcharts", data: `{{ .Subcharts.fence.Values.image }}`, subcharts: true},
	}
	var scans templateScans
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // the second is the cached scan
				ts := scans.scan([]byte(tt.data))
				if !slices.Equal(ts.defines, tt.defines) || !slices.Equal(ts.uses, tt.uses) || ts.subcharts != tt.subcharts {
					t.Fatalf("scan = %+v, want defines %q uses %q subcharts %v", ts, tt.defines, tt.uses, tt.subcharts)
				}
			}
		})
	}
}

func FuzzCanonicalYAML(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"1\"\n  b: 'true'\n",
		"ports: [80, 443, -0, 0.5, 1e21, 1e20, 9007199254740993, 12345678901234567890, -1.5e-7, 100000000000000000000000]\n",
		"a: {b10: 1, b9: 2, B: 3, \"<<\": 4, \"\": null, y: yes, n: ~}\n",
		"s: \"\\xff\\xfe\"\nt: \"<tag> & \\u2028\"\n",
		"x: !!binary aGVsbG8=\n",
		"list:\n  - {name: a, value: 0.1}\n  - [1, [2, [3]]]\n  - 2026.10\n  - '2026.10'\n",
		"multi: |\n  line one\n  line two\nfolded: >\n  a\n  b\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(checkCanonical)
}

// helmToYAML is Helm's toYaml template function.
func helmToYAML(v any) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

// TestToYAML checks toYAML against Helm's toYaml on every table and list
// of the values a gen3 render sees, and on values of other types.
func TestToYAML(t *testing.T) {
	r, _ := gen3Renderer()
	p, err := r.NewRun().prepare(context.Background(), gen3Source, gen3Values(t), gen3Release)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var walk func(v any)
	walk = func(v any) {
		if got, want := toYAML(v), helmToYAML(v); got != want {
			t.Fatalf("toYAML(%#v) = %q, Helm's %q", v, got, want)
		}
		n++
		switch v := v.(type) {
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case common.Values:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(p.top)
	for _, v := range []any{nil, 1, int64(-2), 1.5, math.NaN(), "a: b", []string{"x"}, map[string]string{"k": "v"},
		map[string]any{"n": 3, "f": 1e21, "s": "\xff", "l": []any{true, nil, map[string]any{}}}, common.Values{"a": 1.0}} {
		walk(v)
	}
	if n < 1000 {
		t.Fatalf("checked %d values, want the whole of the render values", n)
	}
}
