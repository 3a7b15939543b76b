package values

import (
	"helm.sh/helm/v4/pkg/chart/v2/loader"
)

// Merge computes the values a chart sees, in Helm's order: layers[0] is the
// chart's defaults (values.yaml), then the value files in order, then inline
// values. Value files are merged with Helm's own loader.MergeMaps (maps merge
// deeply, anything else replaces); the result is then coalesced onto the
// defaults as Helm's util.CoalesceValues does for a chart: a null removes the
// default, nulls in the defaults are dropped, and on a map/non-map clash the
// user's value wins. The inputs are not modified.
//
// Helm's CoalesceValues itself is not called because it needs a chart and
// reports type clashes through the global log package; merge_test.go checks
// that both give the same result.
func Merge(layers ...map[string]any) map[string]any {
	user := map[string]any{}
	if len(layers) == 0 {
		return user
	}
	for _, l := range layers[1:] {
		user = loader.MergeMaps(user, copyMap(l))
	}
	coalesceDefaults(user, copyMap(layers[0]))
	return user
}

// coalesceDefaults mirrors helm.sh/helm/v4/pkg/chart/common/util.coalesceValues
// with merge=false: v (user values) wins over defaults; both are modified.
func coalesceDefaults(v, defaults map[string]any) {
	for key, val := range defaults {
		if value, ok := v[key]; ok {
			if value == nil {
				delete(v, key)
			} else if dest, ok := value.(map[string]any); ok {
				if src, ok := val.(map[string]any); ok {
					dropNils(src)
					coalesceTables(dest, src)
				}
			}
			continue
		}
		if val == nil {
			continue
		}
		if sub, ok := val.(map[string]any); ok {
			dropNils(sub)
		}
		v[key] = val
	}
}

// coalesceTables mirrors util.coalesceTablesFullKey with merge=false.
func coalesceTables(dst, src map[string]any) {
	srcNonNil := make(map[string]bool, len(src))
	for key, val := range src {
		if val != nil {
			srcNonNil[key] = true
		}
	}
	for key, val := range dst {
		if val == nil {
			src[key] = nil
		}
	}
	for key, val := range src {
		dv, ok := dst[key]
		switch {
		case ok && dv == nil && srcNonNil[key]:
			delete(dst, key) // the user nulled a default
		case !ok:
			dst[key] = val
		case isMap(val):
			if isMap(dv) {
				coalesceTables(dv.(map[string]any), val.(map[string]any))
			}
		}
	}
}

// dropNils mirrors util.cleanNilValues.
func dropNils(m map[string]any) {
	for key, val := range m {
		if val == nil {
			delete(m, key)
		} else if sub, ok := val.(map[string]any); ok {
			dropNils(sub)
		}
	}
}

func isMap(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

// copyMap deep-copies maps and lists; a nil map becomes an empty one.
func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return copyMap(t)
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = copyValue(x)
		}
		return out
	}
	return v
}
