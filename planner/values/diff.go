package values

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
)

// Op says what happened to a path.
type Op string

// The operations of a Change.
const (
	Added   Op = "added"
	Removed Op = "removed"
	Changed Op = "changed"
)

// Change is one difference between two sets of values.
type Change struct {
	// Path is dotted keys, `["key.with.dots"]` for keys that are not plain
	// words, `[name=fence]` for an item of a list of named maps, `[3]` for
	// other list items.
	Path          string
	Op            Op
	Before, After any // nil on the side where the path is absent
	// BeforeType and AfterType are "string", "number", "bool", "map",
	// "list" or "null"; "" on the side where the path is absent.
	BeforeType, AfterType string
	// TypeChanged is set when both sides have a value and their types
	// differ, e.g. string "2026.09" became number 2026.1 because a tag lost
	// its quotes. A null on either side is not a type change.
	TypeChanged bool
	// Masked is set by Mask when Before or After was replaced.
	Masked bool
}

// wholeListMax is the longest list of scalars reported as one change; a
// longer one is reported item by item so a one-item edit stays readable.
const wholeListMax = 16

// nameFields are the item fields that identify maps in a list, in order of
// preference (Kubernetes containers/env use name, tolerations key).
var nameFields = [...]string{"name", "key", "id"}

// Diff compares two sets of values structurally and returns the changes
// sorted by path. Maps are compared key by key. A list whose items are all
// maps with a distinct name-like field (name, key, id) is compared item by
// item under that field, whatever the order; a list of scalars is one change
// unless it is longer than 16 items; other lists are compared by index. A
// value whose type changed is one change with TypeChanged set.
func Diff(before, after map[string]any) []Change {
	d := &differ{}
	d.maps(nil, before, after)
	if len(d.out) == 0 {
		return nil
	}
	slices.SortStableFunc(d.out, func(a, b pathChange) int { return comparePaths(a.path, b.path) })
	out := make([]Change, len(d.out))
	for i, c := range d.out {
		c.change.Path = renderPath(c.path)
		out[i] = c.change
	}
	return out
}

type pathChange struct {
	path   []seg
	change Change
}

// differ walks both trees depth first with one path stack: a child's path
// is append(path, seg), which may reuse the slot of a finished sibling, and
// add copies the path it keeps.
type differ struct{ out []pathChange }

func (d *differ) add(path []seg, op Op, before, after any) {
	c := Change{Op: op, Before: before, After: after}
	if op != Added {
		c.BeforeType = typeOf(before)
	}
	if op != Removed {
		c.AfterType = typeOf(after)
	}
	c.TypeChanged = op == Changed && c.BeforeType != c.AfterType && c.BeforeType != "null" && c.AfterType != "null"
	d.out = append(d.out, pathChange{path: slices.Clone(path), change: c})
}

func (d *differ) maps(path []seg, a, b map[string]any) {
	for k, av := range a {
		p := append(path, keySeg(k))
		if bv, ok := b[k]; ok {
			d.value(p, av, bv)
		} else {
			d.add(p, Removed, av, nil)
		}
	}
	for k, bv := range b {
		if _, ok := a[k]; !ok {
			d.add(append(path, keySeg(k)), Added, nil, bv)
		}
	}
}

func (d *differ) value(path []seg, a, b any) {
	ta, tb := typeOf(a), typeOf(b)
	switch {
	case ta != tb:
		d.add(path, Changed, a, b)
	case ta == "map":
		am, aok := a.(map[string]any)
		bm, bok := b.(map[string]any)
		if aok && bok {
			d.maps(path, am, bm)
		} else if !equal(a, b) {
			d.add(path, Changed, a, b)
		}
	case ta == "list":
		al, aok := a.([]any)
		bl, bok := b.([]any)
		if aok && bok {
			d.lists(path, al, bl)
		} else if !equal(a, b) {
			d.add(path, Changed, a, b)
		}
	default:
		if !equal(a, b) {
			d.add(path, Changed, a, b)
		}
	}
}

func (d *differ) lists(path []seg, a, b []any) {
	if equal(a, b) {
		return
	}
	if field := nameField(a, b); field != "" {
		d.named(path, field, a, b)
		return
	}
	if max(len(a), len(b)) <= wholeListMax && allScalars(a) && allScalars(b) {
		d.add(path, Changed, a, b)
		return
	}
	for i := range max(len(a), len(b)) {
		p := append(path, indexSeg(i))
		switch {
		case i >= len(a):
			d.add(p, Added, nil, b[i])
		case i >= len(b):
			d.add(p, Removed, a[i], nil)
		default:
			d.value(p, a[i], b[i])
		}
	}
}

// named compares lists of maps by the value of field.
func (d *differ) named(path []seg, field string, a, b []any) {
	bByName := make(map[string]any, len(b))
	for _, x := range b {
		bByName[itemName(x, field)] = x
	}
	seen := make(map[string]bool, len(a))
	for _, x := range a {
		n := itemName(x, field)
		seen[n] = true
		p := append(path, selectSeg(field, n))
		if y, ok := bByName[n]; ok {
			d.value(p, x, y)
		} else {
			d.add(p, Removed, x, nil)
		}
	}
	for _, y := range b {
		if n := itemName(y, field); !seen[n] {
			d.add(append(path, selectSeg(field, n)), Added, nil, y)
		}
	}
}

// nameField returns the first of nameFields that every item of both lists
// has, as a string or number distinct within each list; "" if none does.
func nameField(a, b []any) string {
	if len(a)+len(b) == 0 {
		return ""
	}
next:
	for _, f := range nameFields {
		for _, list := range [][]any{a, b} {
			seen := make(map[string]bool, len(list))
			for _, x := range list {
				m, ok := x.(map[string]any)
				if !ok {
					return "" // not a list of maps: no field can work
				}
				switch m[f].(type) {
				case string, float64, int, int64:
				default:
					continue next
				}
				n := itemName(m, f)
				if seen[n] {
					continue next
				}
				seen[n] = true
			}
		}
		return f
	}
	return ""
}

func itemName(item any, field string) string {
	m, _ := item.(map[string]any)
	switch v := m[field].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

func allScalars(l []any) bool {
	for _, x := range l {
		switch x.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

// typeOf names the kind of a value as Change reports it.
func typeOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case float64, float32, int, int64, int32, uint, uint64, uint32:
		return "number"
	case map[string]any:
		return "map"
	case []any:
		return "list"
	}
	return fmt.Sprintf("%T", v)
}

// equal is deep equality in which numbers compare by value, so 1 read from
// YAML (float64) equals 1 set by a program (int64).
func equal(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equal(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	if xa, ok := number(a); ok {
		xb, ok := number(b)
		return ok && (xa == xb || math.IsNaN(xa) && math.IsNaN(xb))
	}
	return reflect.DeepEqual(a, b)
}

// number converts any Go number to float64.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint64:
		return float64(n), true
	case uint32:
		return float64(n), true
	}
	return 0, false
}
