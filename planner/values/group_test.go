package values

import (
	"reflect"
	"testing"
)

func TestGroupChanges(t *testing.T) {
	bump := func(path string) Change {
		return Change{Path: path, Op: Changed, Before: "2026.09", After: "2026.10", BeforeType: "string", AfterType: "string"}
	}
	numeric := Change{Path: "guppy.image.tag", Op: Changed, Before: "2026.09", After: 2026.1, BeforeType: "string", AfterType: "number", TypeChanged: true}
	items := []AppChange{
		{App: "data.midrc.org", Change: bump("fence.image.tag")},
		{App: "data.midrc.org", Change: Change{Path: "fence.replicaCount", Op: Changed, Before: 1.0, After: 2.0, BeforeType: "number", AfterType: "number"}},
		{App: "data.midrc.org", Change: bump("indexd.image.tag")},
		{App: "staging.midrc.org", Change: bump("fence.image.tag")},
		{App: "staging.midrc.org", Change: numeric},
		{App: "staging.midrc.org", Change: Change{Path: "x.replicas", Op: Changed, Before: int64(1), After: int64(2), BeforeType: "number", AfterType: "number"}},
		{App: "staging.midrc.org", Change: Change{Path: "x.map", Op: Added, After: map[string]any{"b": 1.0, "a": 2.0}, AfterType: "map"}},
		{App: "data.midrc.org", Change: Change{Path: "y.map", Op: Added, After: map[string]any{"a": 2.0, "b": int64(1)}, AfterType: "map"}},
		{App: "data.midrc.org", Change: Change{Path: "z", Op: Changed, Before: nil, After: "x", BeforeType: "null", AfterType: "string"}},
		{App: "data.midrc.org", Change: Change{Path: "z2", Op: Added, After: "x", AfterType: "string"}},
	}
	want := []Group{
		{Op: Changed, Before: "2026.09", After: "2026.10", BeforeType: "string", AfterType: "string", Paths: []AppPath{
			{"data.midrc.org", "fence.image.tag"}, {"data.midrc.org", "indexd.image.tag"}, {"staging.midrc.org", "fence.image.tag"}}},
		{Op: Changed, Before: 1.0, After: 2.0, BeforeType: "number", AfterType: "number", Paths: []AppPath{
			{"data.midrc.org", "fence.replicaCount"}, {"staging.midrc.org", "x.replicas"}}},
		{Op: Changed, Before: "2026.09", After: 2026.1, BeforeType: "string", AfterType: "number", TypeChanged: true, Paths: []AppPath{
			{"staging.midrc.org", "guppy.image.tag"}}},
		{Op: Added, After: map[string]any{"b": 1.0, "a": 2.0}, AfterType: "map", Paths: []AppPath{
			{"staging.midrc.org", "x.map"}, {"data.midrc.org", "y.map"}}},
		{Op: Changed, Before: nil, After: "x", BeforeType: "null", AfterType: "string", Paths: []AppPath{{"data.midrc.org", "z"}}},
		{Op: Added, After: "x", AfterType: "string", Paths: []AppPath{{"data.midrc.org", "z2"}}},
	}
	if got := GroupChanges(items); !reflect.DeepEqual(got, want) {
		t.Errorf("GroupChanges =\n%#v\nwant\n%#v", got, want)
	}
	if got := GroupChanges(nil); got != nil {
		t.Errorf("GroupChanges(nil) = %#v", got)
	}
}
