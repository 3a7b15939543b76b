package values

import (
	"io"
	"log"
	"reflect"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
)

// helmMerge computes values the way `helm install -f a -f b` does: the files
// merged by loader.MergeMaps, then coalesced onto the chart defaults.
func helmMerge(t testing.TB, layers ...map[string]any) map[string]any {
	t.Helper()
	user := map[string]any{}
	for _, l := range layers[1:] {
		user = loader.MergeMaps(user, copyMap(l))
	}
	ch := &chart.Chart{Metadata: &chart.Metadata{Name: "test", APIVersion: chart.APIVersionV2, Version: "0.1.0"}, Values: copyMap(layers[0])}
	out, err := util.CoalesceValues(ch, user)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// quietHelm silences the log package, through which Helm reports type
// clashes, for the test.
func quietHelm(t testing.TB) {
	prev := log.Writer()
	log.SetOutput(io.Discard)
	t.Cleanup(func() { log.SetOutput(prev) })
}

func TestMerge(t *testing.T) {
	quietHelm(t)
	m := func(kv ...any) map[string]any {
		out := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	tests := []struct {
		name   string
		layers []map[string]any
		want   map[string]any
	}{
		{"no layers", nil, m()},
		{"defaults only", []map[string]any{m("a", 1.0, "n", nil)}, m("a", 1.0)},
		{"later files win", []map[string]any{m("a", 1.0), m("a", 2.0), m("a", 3.0)}, m("a", 3.0)},
		{"maps merge deeply", []map[string]any{
			m("fence", m("image", m("repository", "quay.io/cdis/fence", "tag", "master"), "replicas", 1.0)),
			m("fence", m("image", m("tag", "2026.10"))),
		}, m("fence", m("image", m("repository", "quay.io/cdis/fence", "tag", "2026.10"), "replicas", 1.0))},
		{"lists replace", []map[string]any{m("l", []any{1.0, 2.0}), m("l", []any{3.0})}, m("l", []any{3.0})},
		{"null deletes a default", []map[string]any{m("a", 1.0, "b", m("c", 1.0, "d", 2.0)), m("a", nil, "b", m("c", nil))},
			m("b", m("d", 2.0))},
		{"null in an earlier file is overridden", []map[string]any{m("a", 1.0), m("a", nil), m("a", 5.0)}, m("a", 5.0)},
		{"null without a default stays null", []map[string]any{m(), m("a", nil)}, m("a", nil)},
		{"nested null without a default stays null", []map[string]any{m("b", m("c", 1.0)), m("b", m("x", nil))}, m("b", m("c", 1.0, "x", nil))},
		{"nulls in defaults are dropped", []map[string]any{m("b", m("c", nil, "d", 1.0)), m("b", m("e", 1.0))}, m("b", m("d", 1.0, "e", 1.0))},
		{"scalar replaces a default map", []map[string]any{m("a", m("b", 1.0)), m("a", "x")}, m("a", "x")},
		{"map replaces a default scalar", []map[string]any{m("a", "x"), m("a", m("b", 1.0))}, m("a", m("b", 1.0))},
		{"nested scalar over map keeps user value", []map[string]any{m("a", m("b", m("c", 1.0))), m("a", m("b", 2.0))}, m("a", m("b", 2.0))},
		{"later scalar replaces earlier file map", []map[string]any{m(), m("a", m("b", 1.0)), m("a", 2.0)}, m("a", 2.0)},
		{"inline values last", []map[string]any{m("g", m("hostname", "default")), m("g", m("hostname", "file")), m("g", m("hostname", "inline"))},
			m("g", m("hostname", "inline"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var snapshot []map[string]any
			for _, l := range tt.layers {
				snapshot = append(snapshot, copyMap(l))
			}
			got := Merge(tt.layers...)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Merge = %#v, want %#v", got, tt.want)
			}
			for i := range tt.layers {
				if !reflect.DeepEqual(tt.layers[i], snapshot[i]) {
					t.Errorf("Merge modified layer %d", i)
				}
			}
			if len(tt.layers) > 0 {
				if helm := helmMerge(t, tt.layers...); !reflect.DeepEqual(got, helm) {
					t.Errorf("Merge = %#v, Helm gives %#v", got, helm)
				}
			}
		})
	}
}
