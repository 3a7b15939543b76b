package values

import (
	"encoding/json"
	"fmt"
)

// AppChange is a change of one application's values.
type AppChange struct {
	App    string
	Change Change
}

// AppPath is where a grouped change happened.
type AppPath struct {
	App, Path string
}

// Group is one old→new change made at several paths, in one or more
// applications (a release bump of 16 image tags is one Group). The type
// fields and Masked are those of its changes.
type Group struct {
	Op                    Op
	Before, After         any
	BeforeType, AfterType string
	TypeChanged, Masked   bool
	Paths                 []AppPath
}

// GroupChanges groups changes with the same Op, Before and After (numbers
// compared by value, types kept apart: "1" is not 1). Groups come in the
// order of their first change, and paths in the order given.
func GroupChanges(items []AppChange) []Group {
	var out []Group
	index := map[string]int{}
	for _, it := range items {
		c := it.Change
		k := groupKey(c)
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, Group{Op: c.Op, Before: c.Before, After: c.After,
				BeforeType: c.BeforeType, AfterType: c.AfterType, TypeChanged: c.TypeChanged, Masked: c.Masked})
		}
		out[i].Paths = append(out[i].Paths, AppPath{App: it.App, Path: c.Path})
	}
	return out
}

// groupKey encodes what makes two changes the same: JSON sorts map keys and
// writes 1 and 1.0 alike; the types separate absent from null.
func groupKey(c Change) string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%s\x00%t", c.Op, c.BeforeType, canonical(c.Before), c.AfterType, canonical(c.After), c.Masked)
}

func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v) // NaN, Inf or a type JSON cannot hold
	}
	return string(b)
}
