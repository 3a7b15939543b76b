package values

import (
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	parse := func(s string) map[string]any {
		t.Helper()
		v, err := Parse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name          string
		before, after string
		want          []Change
	}{
		{"equal", "a: 1\nb: [x]\n", "b: [x]\na: 1.0\n", nil},
		{"scalar changed", "fence:\n  image:\n    tag: '2026.09'\n", "fence:\n  image:\n    tag: '2026.10'\n",
			[]Change{{Path: "fence.image.tag", Op: Changed, Before: "2026.09", After: "2026.10", BeforeType: "string", AfterType: "string"}}},
		{"unquoted tag is a type change", "fence:\n  image:\n    tag: '2026.09'\n", "fence:\n  image:\n    tag: 2026.10\n",
			[]Change{{Path: "fence.image.tag", Op: Changed, Before: "2026.09", After: 2026.1, BeforeType: "string", AfterType: "number", TypeChanged: true}}},
		{"added and removed keys, sorted", "b: 1\nc: {x: 1}\n", "a: [1]\nc: {z: true}\n", []Change{
			{Path: "a", Op: Added, After: []any{1.0}, AfterType: "list"},
			{Path: "b", Op: Removed, Before: 1.0, BeforeType: "number"},
			{Path: "c.x", Op: Removed, Before: 1.0, BeforeType: "number"},
			{Path: "c.z", Op: Added, After: true, AfterType: "bool"},
		}},
		{"null to value is not a type change", "a: null\n", "a: x\n",
			[]Change{{Path: "a", Op: Changed, Before: nil, After: "x", BeforeType: "null", AfterType: "string"}}},
		{"map to scalar", "a: {b: 1}\n", "a: off\n",
			[]Change{{Path: "a", Op: Changed, Before: map[string]any{"b": 1.0}, After: false, BeforeType: "map", AfterType: "bool", TypeChanged: true}}},
		{"dotted key quoted", "sa:\n  annotations:\n    eks.amazonaws.com/role-arn: a\n", "sa:\n  annotations:\n    eks.amazonaws.com/role-arn: b\n",
			[]Change{{Path: `sa.annotations["eks.amazonaws.com/role-arn"]`, Op: Changed, Before: "a", After: "b", BeforeType: "string", AfterType: "string"}}},
		{"named list items matched by name", `
containers:
- name: fence
  image: fence:1
- name: sidecar
  image: s:1
`, `
containers:
- name: nginx
  image: n:1
- name: fence
  image: fence:2
`, []Change{
			{Path: "containers[name=fence].image", Op: Changed, Before: "fence:1", After: "fence:2", BeforeType: "string", AfterType: "string"},
			{Path: "containers[name=nginx]", Op: Added, After: map[string]any{"name": "nginx", "image": "n:1"}, AfterType: "map"},
			{Path: "containers[name=sidecar]", Op: Removed, Before: map[string]any{"name": "sidecar", "image": "s:1"}, BeforeType: "map"},
		}},
		{"key when no name", "tol:\n- {key: a, value: p}\n- {key: b, value: q}\n", "tol:\n- {key: b, value: r}\n- {key: a, value: p}\n",
			[]Change{{Path: "tol[key=b].value", Op: Changed, Before: "q", After: "r", BeforeType: "string", AfterType: "string"}}},
		{"selector value quoted", "l:\n- {name: a b, v: 1}\n", "l:\n- {name: a b, v: 2}\n",
			[]Change{{Path: `l[name="a b"].v`, Op: Changed, Before: 1.0, After: 2.0, BeforeType: "number", AfterType: "number"}}},
		{"duplicate names fall back to index", "l:\n- {name: a, v: 1}\n- {name: a, v: 2}\n", "l:\n- {name: a, v: 1}\n- {name: a, v: 3}\n",
			[]Change{{Path: "l[1].v", Op: Changed, Before: 2.0, After: 3.0, BeforeType: "number", AfterType: "number"}}},
		{"unnamed maps by index", "l:\n- {a: 1}\n", "l:\n- {a: 2}\n- {a: 3}\n", []Change{
			{Path: "l[0].a", Op: Changed, Before: 1.0, After: 2.0, BeforeType: "number", AfterType: "number"},
			{Path: "l[1]", Op: Added, After: map[string]any{"a": 3.0}, AfterType: "map"},
		}},
		{"short scalar list is one change", "hosts: [a, b]\n", "hosts: [a, c]\n",
			[]Change{{Path: "hosts", Op: Changed, Before: []any{"a", "b"}, After: []any{"a", "c"}, BeforeType: "list", AfterType: "list"}}},
		{"long scalar list per index, indexes in numeric order",
			"l: [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]\n", "l: [0,1,X,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]\n", []Change{
				{Path: "l[2]", Op: Changed, Before: 2.0, After: "X", BeforeType: "number", AfterType: "string", TypeChanged: true},
				{Path: "l[17]", Op: Added, After: 17.0, AfterType: "number"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(parse(tt.before), parse(tt.after))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestDiffNumbersByValue(t *testing.T) {
	if got := Diff(map[string]any{"a": int64(3), "b": []any{1}}, map[string]any{"a": 3.0, "b": []any{1.0}}); len(got) != 0 {
		t.Errorf("Diff of equal numbers of different Go types = %v", got)
	}
}

func TestPathRoundTrip(t *testing.T) {
	tests := []struct {
		path []seg
		want string
	}{
		{[]seg{keySeg("a"), keySeg("b-c_d")}, "a.b-c_d"},
		{[]seg{keySeg("sa"), keySeg("eks.amazonaws.com/role-arn")}, `sa["eks.amazonaws.com/role-arn"]`},
		{[]seg{keySeg("a b"), indexSeg(12), keySeg("")}, `["a b"][12][""]`},
		{[]seg{keySeg("containers"), selectSeg("name", "fence"), keySeg("env"), selectSeg("name", "a]b=c"), keySeg("value")},
			`containers[name=fence].env[name="a]b=c"].value`},
		{[]seg{keySeg("req"), selectSeg("key", "karpenter.sh/capacity-type")}, "req[key=karpenter.sh/capacity-type]"},
		{[]seg{keySeg(`quote"d`), selectSeg("id", "3")}, `["quote\"d"][id=3]`},
	}
	for _, tt := range tests {
		got := renderPath(tt.path)
		if got != tt.want {
			t.Errorf("renderPath = %s, want %s", got, tt.want)
		}
		back, ok := parsePath(got)
		if !ok || !reflect.DeepEqual(back, tt.path) {
			t.Errorf("parsePath(%s) = %#v, %v", got, back, ok)
		}
	}
	for _, bad := range []string{".a", "a..b", "a[", "a[x]", `a["b"`, "a[name=]", "a]"} {
		if _, ok := parsePath(bad); ok {
			t.Errorf("parsePath(%q) accepted", bad)
		}
	}
}

// FuzzParsePath checks that whatever parsePath accepts renders back to the
// same text.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"a.b", `a["b.c"][3]`, "l[name=x].v", `l[key="a b"]`, "[0]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := parsePath(s)
		if !ok {
			return
		}
		if got := renderPath(p); got != s {
			if q, ok := parsePath(got); !ok || !reflect.DeepEqual(p, q) {
				t.Fatalf("parsePath(%q) = %#v renders as %q which reads back as %#v", s, p, got, q)
			}
		}
	})
}
