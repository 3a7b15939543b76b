package values

import "slices"

// Redundant returns the paths, sorted, that a values file sets to exactly the
// chart default, so deleting them changes nothing. Maps are followed key by
// key (an empty map over a default map merges nothing, so it is redundant);
// other values must be deeply equal, numbers compared by value.
func Redundant(defaults, file map[string]any) []string {
	var found [][]seg
	redundant(nil, defaults, file, &found)
	slices.SortFunc(found, comparePaths)
	out := make([]string, len(found))
	for i, p := range found {
		out[i] = renderPath(p)
	}
	return out
}

func redundant(path []seg, defaults, file map[string]any, found *[][]seg) {
	for k, fv := range file {
		dv, ok := defaults[k]
		if !ok {
			continue
		}
		p := appendSeg(path, keySeg(k))
		fm, fIsMap := fv.(map[string]any)
		dm, dIsMap := dv.(map[string]any)
		switch {
		case fIsMap && dIsMap && len(fm) > 0:
			redundant(p, dm, fm, found)
		case fIsMap && dIsMap, equal(dv, fv):
			*found = append(*found, p)
		}
	}
}
