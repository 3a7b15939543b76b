package policy

import (
	"context"
	"fmt"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

var benchRules = map[string]string{
	"data_stores.rego": `package csocbot.data_stores
stores := {"aws_db_instance", "aws_rds_cluster", "aws_s3_bucket"}
deny contains msg if {
	input.unit.environment == "prod"
	some c in input.changes
	c.type in stores
	"delete" in c.actions
	msg := sprintf("%s would be deleted", [c.address])
}
`,
	"replace.rego": `package csocbot.replace
warn contains msg if {
	some c in input.changes
	c.actions == ["delete", "create"]
	msg := sprintf("%s is replaced", [c.address])
}
`,
	"public_acl.rego": `package csocbot.public_acl
deny contains msg if {
	some c in input.changes
	c.type == "aws_s3_bucket_acl"
	c.after.acl in {"public-read", "public-read-write"}
	msg := sprintf("%s makes a bucket public", [c.address])
}
`,
	"tags.rego": `package csocbot.tags
warn contains msg if {
	some c in input.changes
	c.mode == "managed"
	"create" in c.actions
	not c.after.tags.Environment
	msg := sprintf("%s has no Environment tag", [c.address])
}
`,
	"size.rego": `package csocbot.size
warn contains sprintf("%d resources change", [n]) if {
	n := count([c | some c in input.changes; c.actions != ["no-op"]])
	n > 500
}
`,
}

func benchPlan(n int) *tfjson.Plan {
	types := []string{"aws_s3_bucket", "aws_s3_bucket_acl", "aws_db_instance", "aws_iam_role", "aws_instance"}
	actions := []tfjson.Actions{
		{tfjson.ActionCreate}, {tfjson.ActionUpdate}, {tfjson.ActionNoop},
		{tfjson.ActionDelete, tfjson.ActionCreate}, {tfjson.ActionDelete},
	}
	p := &tfjson.Plan{FormatVersion: "1.2"}
	for i := range n {
		typ := types[i%len(types)]
		attrs := func(v string) map[string]any {
			return map[string]any{
				"name": fmt.Sprintf("r%d", i), "acl": "private", "password": v,
				"tags":   map[string]any{"Environment": "prod", "Owner": "team"},
				"nested": []any{map[string]any{"a": 1, "b": "x"}, map[string]any{"a": 2, "b": "y"}},
			}
		}
		p.ResourceChanges = append(p.ResourceChanges, &tfjson.ResourceChange{
			Address: fmt.Sprintf("%s.r%d", typ, i), Mode: tfjson.ManagedResourceMode,
			Type: typ, Name: fmt.Sprintf("r%d", i), ProviderName: "registry.terraform.io/hashicorp/aws",
			Change: &tfjson.Change{
				Actions: actions[i%len(actions)], Before: attrs("old"), After: attrs("new"),
				BeforeSensitive: map[string]any{"password": true}, AfterSensitive: map[string]any{"password": true},
			},
		})
	}
	return p
}

func BenchmarkEvaluate(b *testing.B) {
	e, err := Load(context.Background(), []Set{{Name: "bench", Dir: writeSet(b, benchRules)}})
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{100, 1000, 10000} {
		plan := benchPlan(n)
		in := sampleInput()
		in.Plan, in.Changes = plan, Changes(plan)
		b.Run(fmt.Sprintf("changes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := e.Evaluate(context.Background(), in, PostPlan)
				if err != nil || len(res) == 0 {
					b.Fatalf("results %v, err %v", res, err)
				}
				for _, r := range res {
					if r.Kind == Error {
						b.Fatal(r.Message)
					}
				}
			}
		})
	}
}
