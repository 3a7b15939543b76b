package plansummary

import (
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// path is a location inside a value: each step is a string (object key) or
// an int (list index).
type path []any

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// String renders p the way Terraform users write references:
// ingress[0].cidr_blocks[1], with keys that are not identifiers quoted.
func (p path) String() string {
	var b strings.Builder
	for _, step := range p {
		switch s := step.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		case string:
			if !identifier.MatchString(s) {
				b.WriteString("[" + strconv.Quote(s) + "]")
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		}
	}
	return b.String()
}

func (p path) hasPrefix(q path) bool {
	return len(p) >= len(q) && compare(p[:len(q)], q) == 0
}

// compare orders paths the way the flattening walk visits them: step by
// step, indexes numerically before keys, keys alphabetically, a parent
// before its children.
func compare(p, q path) int {
	for i := 0; i < len(p) && i < len(q); i++ {
		if c := compareStep(p[i], q[i]); c != 0 {
			return c
		}
	}
	return len(p) - len(q)
}

func compareStep(a, b any) int {
	ai, aIsInt := a.(int)
	bi, bIsInt := b.(int)
	switch {
	case aIsInt && bIsInt:
		return cmp.Compare(ai, bi)
	case aIsInt:
		return -1
	case bIsInt:
		return 1
	}
	return strings.Compare(a.(string), b.(string))
}

// parsePaths reads replace_paths: a list of paths, each a list of keys and
// indexes.
func parsePaths(raw []any) ([]path, error) {
	var paths []path
	for _, r := range raw {
		steps, ok := r.([]any)
		if !ok {
			return nil, fmt.Errorf("replace path %v is not a list of steps", r)
		}
		var p path
		for _, s := range steps {
			switch s := s.(type) {
			case string:
				p = append(p, s)
			case float64:
				p = append(p, int(s))
			case json.Number:
				i, err := s.Int64()
				if err != nil {
					return nil, fmt.Errorf("replace path %v has an invalid index: %w", r, err)
				}
				p = append(p, int(i))
			default:
				return nil, fmt.Errorf("replace path %v has a step that is neither key nor index", r)
			}
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// leaf is one flattened value. raw is kept only to compare the two sides of
// a sensitive value; it never leaves this file.
type leaf struct {
	path    path
	shown   string
	raw     any
	unknown bool
}

// flatten appends the leaves of v at p, in walk order. Where sensitive or
// unknown marks the whole value, the value collapses to a single
// placeholder leaf. Null values produce no leaf: they are absent.
func flatten(out []leaf, p path, v, sensitive, unknown any) []leaf {
	if marked(sensitive) {
		if v == nil && !marked(unknown) {
			return out
		}
		return append(out, leaf{path: p, shown: Sensitive, raw: v, unknown: marked(unknown)})
	}
	if marked(unknown) {
		return append(out, leaf{path: p, shown: KnownAfterApply, unknown: true})
	}
	// Unknown parts of a value are absent from it, so the unknown marks
	// also decide which members to visit.
	obj, isObj := v.(map[string]any)
	uobj, uIsObj := unknown.(map[string]any)
	list, isList := v.([]any)
	ulist, uIsList := unknown.([]any)
	switch {
	case isObj || (v == nil && uIsObj):
		keys := make([]string, 0, len(obj)+len(uobj))
		for k := range obj {
			keys = append(keys, k)
		}
		for k := range uobj {
			if _, dup := obj[k]; !dup {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			if v == nil {
				return out
			}
			return append(out, leaf{path: p, shown: "{}", raw: v})
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = flatten(out, p.child(k), obj[k], member(sensitive, k), member(unknown, k))
		}
		return out
	case isList || (v == nil && uIsList):
		n := max(len(list), len(ulist))
		if n == 0 {
			if v == nil {
				return out
			}
			return append(out, leaf{path: p, shown: "[]", raw: v})
		}
		for i := range n {
			var e any
			if i < len(list) {
				e = list[i]
			}
			out = flatten(out, p.child(i), e, element(sensitive, i), element(unknown, i))
		}
		return out
	}
	switch v := v.(type) {
	case nil:
		return out
	case string:
		return append(out, leaf{path: p, shown: strconv.Quote(v), raw: v})
	}
	shown, err := json.Marshal(v)
	if err != nil {
		shown = []byte(fmt.Sprint(v))
	}
	return append(out, leaf{path: p, shown: string(shown), raw: v})
}

// child returns a new path so that sibling paths never share a backing
// array.
func (p path) child(step any) path {
	c := make(path, len(p), len(p)+1)
	copy(c, p)
	return append(c, step)
}

// marked reports whether a sensitivity or unknown mark covers the whole
// value. Marks are true, false, or objects and lists of marks mirroring the
// value. Anything else is malformed and treated as marked, so that a
// damaged plan hides a value rather than leaking it.
func marked(m any) bool {
	switch m := m.(type) {
	case nil, map[string]any, []any:
		return false
	case bool:
		return m
	}
	return true
}

func member(m any, key string) any {
	if obj, ok := m.(map[string]any); ok {
		return obj[key]
	}
	return m
}

func element(m any, i int) any {
	if list, ok := m.([]any); ok {
		if i < len(list) {
			return list[i]
		}
		return nil
	}
	return m
}

// diff lists the leaves that differ between the before and after values of
// c, rooted at root. Leaves under a replace path force replacement.
func diff(root path, c *tfjson.Change, replace []path) []Attribute {
	before := flatten(nil, root, c.Before, c.BeforeSensitive, nil)
	after := flatten(nil, root, c.After, c.AfterSensitive, c.AfterUnknown)

	var attrs []Attribute
	add := func(p path, b, a string) {
		attr := Attribute{Path: p.String(), Before: b, After: a}
		for _, r := range replace {
			if p.hasPrefix(r) {
				attr.ForcesReplacement = true
				break
			}
		}
		attrs = append(attrs, attr)
	}
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		var c int
		switch {
		case i == len(before):
			c = 1
		case j == len(after):
			c = -1
		default:
			c = compare(before[i].path, after[j].path)
		}
		switch {
		case c < 0:
			add(before[i].path, before[i].shown, "")
			i++
		case c > 0:
			add(after[j].path, "", after[j].shown)
			j++
		default:
			b, a := before[i], after[j]
			if a.unknown || b.shown != a.shown || !reflect.DeepEqual(b.raw, a.raw) {
				add(b.path, b.shown, a.shown)
			}
			i++
			j++
		}
	}
	return attrs
}
