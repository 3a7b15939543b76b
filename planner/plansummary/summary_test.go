package plansummary

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// describe prints every field of a Summary, one line per resource,
// attribute and output, so tests can compare summaries as text.
func describe(s *Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "create=%d update=%d delete=%d replace=%d import=%d move=%d read=%d forget=%d no-changes=%t\n",
		s.Create, s.Update, s.Delete, s.Replace, s.Import, s.Move, s.Read, s.Forget, s.NoChanges())
	attrs := func(as []Attribute) {
		for _, a := range as {
			fmt.Fprintf(&b, "    %s: %s -> %s", a.Path, orNull(a.Before), orNull(a.After))
			if a.ForcesReplacement {
				b.WriteString(" [forces replacement]")
			}
			b.WriteString("\n")
		}
	}
	for _, r := range s.Resources {
		fmt.Fprintf(&b, "%s %s", r.Action, r.Address)
		if r.CreateBeforeDestroy {
			b.WriteString(" [create before destroy]")
		}
		if r.PreviousAddress != "" {
			fmt.Fprintf(&b, " [from %s]", r.PreviousAddress)
		}
		if r.Imported {
			fmt.Fprintf(&b, " [import %q]", r.ImportID)
		}
		if r.Reason != "" {
			fmt.Fprintf(&b, " (%s)", r.Reason)
		}
		b.WriteString("\n")
		attrs(r.Attributes)
	}
	for _, o := range s.Outputs {
		fmt.Fprintf(&b, "output %s %s\n", o.Action, o.Name)
		attrs(o.Attributes)
	}
	return b.String()
}

// orNull shows an absent value the way the plan does.
func orNull(v string) string {
	if v == "" {
		return "null"
	}
	return v
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test -update to accept):\ngot:\n%s", path, got)
	}
}

func readPlan(t *testing.T, file string) *tfjson.Plan {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var p tfjson.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// The fixtures are real `terraform show -json` output; see testdata/README.md.
func TestSummarizeTerraformPlans(t *testing.T) {
	for _, name := range []string{"mixed", "no_changes"} {
		t.Run(name, func(t *testing.T) {
			s, err := Summarize(readPlan(t, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".golden", describe(s))
		})
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name       string
		jsonNumber bool
		plan       string // resource_changes and output_changes of a plan
		want       string
	}{{
		name: "format 1.0 create with unknown values",
		plan: `"format_version": "1.0",
			"resource_changes": [{"address": "aws_instance.web", "change": {
				"actions": ["create"], "before": null,
				"after": {"ami": "ami-1", "tags": {"Name": "web"}},
				"after_unknown": {"id": true, "tags": {}}}}]`,
		want: `create=1 update=0 delete=0 replace=0 import=0 move=0 read=0 forget=0 no-changes=false
create aws_instance.web
    ami: null -> "ami-1"
    id: null -> (known after apply)
    tags.Name: null -> "web"
`,
	}, {
		name: "drift and no-op are not changes",
		plan: `"format_version": "1.2",
			"resource_drift": [{"address": "a.b", "change": {"actions": ["update"], "before": {"x": 1}, "after": {"x": 2}}}],
			"resource_changes": [{"address": "a.b", "change": {"actions": ["no-op"], "before": {"x": 2}, "after": {"x": 2}}}],
			"output_changes": {"o": {"actions": ["no-op"], "before": 1, "after": 1}}`,
		want: "create=0 update=0 delete=0 replace=0 import=0 move=0 read=0 forget=0 no-changes=true\n",
	}, {
		name: "data source reads alone are not changes",
		plan: `"format_version": "1.2",
			"resource_changes": [{"address": "data.a.b", "mode": "data", "action_reason": "read_because_config_unknown",
				"change": {"actions": ["read"], "before": null, "after": {}, "after_unknown": {"id": true}}}]`,
		want: `create=0 update=0 delete=0 replace=0 import=0 move=0 read=1 forget=0 no-changes=true
read data.a.b (configuration depends on values known only after apply)
    id: null -> (known after apply)
`,
	}, {
		name: "forget and deposed",
		plan: `"format_version": "1.2",
			"resource_changes": [
				{"address": "a.kept", "change": {"actions": ["forget"], "before": {"id": "1"}, "after": null}},
				{"address": "a.old", "deposed": "00000001", "change": {"actions": ["delete"], "before": {}, "after": null}}]`,
		want: `create=0 update=0 delete=1 replace=0 import=0 move=0 read=0 forget=1 no-changes=false
forget a.kept
    id: "1" -> null
delete a.old (deposed object 00000001)
    : {} -> null
`,
	}, {
		name: "moved and imported resources that also change",
		plan: `"format_version": "1.2",
			"resource_changes": [
				{"address": "a.new", "previous_address": "a.old", "change": {"actions": ["update"], "before": {"n": 1}, "after": {"n": 2}}},
				{"address": "a.same", "previous_address": "a.same", "change": {"actions": ["no-op"], "before": {}, "after": {}}},
				{"address": "a.imp", "change": {"actions": ["no-op"], "before": {}, "after": {}, "importing": {"unknown": true}}}]`,
		want: `create=0 update=1 delete=0 replace=0 import=1 move=1 read=0 forget=0 no-changes=false
update a.new [from a.old]
    n: 1 -> 2
import a.imp [import ""]
`,
	}, {
		name: "replacement forced by several paths",
		plan: `"format_version": "1.2",
			"resource_changes": [{"address": "a.b", "action_reason": "replace_because_cannot_update", "change": {
				"actions": ["create", "delete"],
				"before": {"zone": "a", "disks": [{"size": 1}], "name": "n"},
				"after": {"zone": "b", "disks": [{"size": 2}], "name": "n"},
				"replace_paths": [["zone"], ["disks", 0, "size"]]}}]`,
		want: `create=0 update=0 delete=0 replace=1 import=0 move=0 read=0 forget=0 no-changes=false
replace a.b [create before destroy] (zone, disks[0].size force replacement)
    disks[0].size: 1 -> 2 [forces replacement]
    zone: "a" -> "b" [forces replacement]
`,
	}, {
		name: "action reasons in English",
		plan: `"format_version": "1.1",
			"resource_changes": [
				{"address": "a.b", "action_reason": "replace_by_request", "change": {"actions": ["delete", "create"], "before": {}, "after": {}}},
				{"address": "a.c", "action_reason": "delete_because_each_key", "change": {"actions": ["delete"], "before": null, "after": null}},
				{"address": "a.d", "action_reason": "some_future_reason", "change": {"actions": ["delete"], "before": null, "after": null}}]`,
		want: `create=0 update=0 delete=2 replace=1 import=0 move=0 read=0 forget=0 no-changes=false
replace a.b (replacement requested with -replace)
delete a.c (key no longer in for_each)
delete a.d (some future reason)
`,
	}, {
		name: "sensitive values are masked and compared",
		plan: `"format_version": "1.2",
			"resource_changes": [{"address": "a.b", "change": {"actions": ["update"],
				"before": {"password": "p1", "token": "t", "keys": ["k1", "k2"], "tags": {"kubernetes.io/role": "x"}},
				"after": {"password": "p2", "token": "t", "keys": ["k1", "k3"], "tags": {"kubernetes.io/role": "y"}},
				"before_sensitive": {"password": true, "token": true, "keys": [false, true]},
				"after_sensitive": {"password": true, "token": true, "keys": [false, true]}}}]`,
		want: `create=0 update=1 delete=0 replace=0 import=0 move=0 read=0 forget=0 no-changes=false
update a.b
    keys[1]: (sensitive) -> (sensitive)
    password: (sensitive) -> (sensitive)
    tags["kubernetes.io/role"]: "x" -> "y"
`,
	}, {
		name: "a malformed sensitivity mark hides the value",
		plan: `"format_version": "1.2",
			"resource_changes": [{"address": "a.b", "change": {"actions": ["create"],
				"before": null, "after": {"secret": "s"}, "after_sensitive": "yes"}}]`,
		want: `create=1 update=0 delete=0 replace=0 import=0 move=0 read=0 forget=0 no-changes=false
create a.b
    : null -> (sensitive)
`,
	}, {
		name: "unknown list elements and empty collections",
		plan: `"format_version": "1.2",
			"resource_changes": [{"address": "a.b", "change": {"actions": ["update"],
				"before": {"ips": ["10.0.0.1"], "tags": {"a": "b"}, "rules": []},
				"after": {"ips": ["10.0.0.1", null], "tags": {}, "rules": []},
				"after_unknown": {"ips": [false, true]}}}]`,
		want: `create=0 update=1 delete=0 replace=0 import=0 move=0 read=0 forget=0 no-changes=false
update a.b
    ips[1]: null -> (known after apply)
    tags: null -> {}
    tags.a: "b" -> null
`,
	}, {
		name:       "numbers decoded as json.Number",
		jsonNumber: true,
		plan: `"format_version": "1.2",
			"resource_changes": [{"address": "a.b", "change": {"actions": ["update"],
				"before": {"size": 10, "ports": [80]}, "after": {"size": 12.5, "ports": [80]},
				"replace_paths": [["ports", 0]]}}]`,
		want: `create=0 update=1 delete=0 replace=0 import=0 move=0 read=0 forget=0 no-changes=false
update a.b
    size: 10 -> 12.5
`,
	}, {
		name: "outputs",
		plan: `"format_version": "1.2",
			"output_changes": {
				"z": {"actions": ["delete"], "before": "bye", "after": null},
				"secret": {"actions": ["create"], "before": null, "after": "s", "after_sensitive": true},
				"list": {"actions": ["update"], "before": ["a"], "after": ["a", null], "after_unknown": [false, true]}}`,
		want: `create=0 update=0 delete=0 replace=0 import=0 move=0 read=0 forget=0 no-changes=false
output update list
    list[1]: null -> (known after apply)
output create secret
    secret: null -> (sensitive)
output delete z
    z: "bye" -> null
`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p tfjson.Plan
			p.UseJSONNumber(tt.jsonNumber)
			if err := json.Unmarshal([]byte("{"+tt.plan+"}"), &p); err != nil {
				t.Fatal(err)
			}
			s, err := Summarize(&p)
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(s); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestSummarizeRejectsUnusablePlans(t *testing.T) {
	change := func(actions ...tfjson.Action) *tfjson.Change { return &tfjson.Change{Actions: actions} }
	tests := []struct {
		name string
		plan *tfjson.Plan
		want string
	}{
		{"nil plan", nil, "unusable terraform plan: plan is nil"},
		{"no format version", &tfjson.Plan{}, "unusable terraform plan: unexpected plan input, format version is missing"},
		{"future format", &tfjson.Plan{FormatVersion: "2.0"}, `unusable terraform plan: unsupported plan format version: "2.0.0" does not satisfy ">= 0.1, < 2.0"`},
		{
			"resource without change",
			&tfjson.Plan{FormatVersion: "1.2", ResourceChanges: []*tfjson.ResourceChange{{Address: "a.b"}}},
			"unusable terraform plan: resource a.b: the plan records no change for it",
		},
		{
			"unknown actions",
			&tfjson.Plan{FormatVersion: "1.2", ResourceChanges: []*tfjson.ResourceChange{{Address: "a.b", Change: change("delete", "delete")}}},
			`unusable terraform plan: resource a.b: unsupported actions ["delete" "delete"]`,
		},
		{
			"malformed replace path",
			&tfjson.Plan{FormatVersion: "1.2", ResourceChanges: []*tfjson.ResourceChange{{
				Address: "a.b",
				Change:  &tfjson.Change{Actions: tfjson.Actions{"delete", "create"}, ReplacePaths: []any{"zone"}},
			}}},
			"unusable terraform plan: resource a.b: replace path zone is not a list of steps",
		},
		{
			"unknown output actions",
			&tfjson.Plan{FormatVersion: "1.2", OutputChanges: map[string]*tfjson.Change{"o": change("read")}},
			`unusable terraform plan: output o: unsupported actions ["read"]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Summarize(tt.plan)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got summary %v, error %v; want error %q", s, err, tt.want)
			}
		})
	}
}

func FuzzSummarize(f *testing.F) {
	for _, file := range []string{"mixed.json", "no_changes.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"format_version": "1.0", "resource_changes": [{"address": "a", "change": {"actions": ["update"],
		"before": {"a": [1, {"b": null}]}, "after": {"a": [2]}, "after_unknown": {"a": [true, {"c": true}]},
		"before_sensitive": {"a": [false, 1]}, "replace_paths": [["a", 0]]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p tfjson.Plan
		if json.Unmarshal(data, &p) != nil {
			return
		}
		s, err := Summarize(&p)
		if err != nil {
			return
		}
		again, _ := Summarize(&p)
		if !reflect.DeepEqual(s, again) {
			t.Fatal("Summarize is not deterministic")
		}
		actions := 0
		for _, r := range s.Resources {
			switch r.Action {
			case ActionCreate, ActionUpdate, ActionDelete, ActionReplace, ActionRead, ActionForget:
				actions++
			}
			for _, a := range r.Attributes {
				if a.Before == "" && a.After == "" {
					t.Fatalf("%s: attribute %q changes from nothing to nothing", r.Address, a.Path)
				}
			}
		}
		if n := s.Create + s.Update + s.Delete + s.Replace + s.Read + s.Forget; n != actions {
			t.Fatalf("counts add up to %d, but %d resources have those actions", n, actions)
		}
	})
}
