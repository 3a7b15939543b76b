package values

import (
	"reflect"
	"testing"
)

func TestRedundant(t *testing.T) {
	defaults := map[string]any{
		"replicaCount": 1.0,
		"image":        map[string]any{"repository": "quay.io/cdis/fence", "tag": "master", "pullPolicy": "Always"},
		"ports":        []any{80.0, 443.0},
		"resources":    map[string]any{"limits": map[string]any{"memory": "1Gi"}},
		"tag":          "2026.10",
		"nothing":      nil,
		"annotations":  map[string]any{"a.b/c": "x"},
	}
	tests := []struct {
		name string
		file map[string]any
		want []string
	}{
		{"nothing set", map[string]any{}, []string{}},
		{"same scalars and lists", map[string]any{
			"replicaCount": int64(1), "ports": []any{80.0, 443.0},
			"image": map[string]any{"repository": "quay.io/cdis/fence", "tag": "2026.10"},
		}, []string{"image.repository", "ports", "replicaCount"}},
		{"list order matters", map[string]any{"ports": []any{443.0, 80.0}}, []string{}},
		{"type matters: number is not the default string", map[string]any{"tag": 2026.1}, []string{}},
		{"empty map over a default map", map[string]any{"resources": map[string]any{}}, []string{"resources"}},
		{"null over null", map[string]any{"nothing": nil}, []string{"nothing"}},
		{"null over a value deletes it", map[string]any{"replicaCount": nil}, []string{}},
		{"keys without default", map[string]any{"extra": 1.0, "image": map[string]any{"digest": "sha"}}, []string{}},
		{"quoted path", map[string]any{"annotations": map[string]any{"a.b/c": "x"}}, []string{`annotations["a.b/c"]`}},
		{"deep", map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": "1Gi"}}}, []string{"resources.limits.memory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redundant(defaults, tt.file); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Redundant = %q, want %q", got, tt.want)
			}
		})
	}
}
