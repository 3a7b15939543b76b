package policy

import (
	"context"
	"encoding/json"
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
	benchmarkPlans(b, e, func(n int) *tfjson.Plan { return benchPlan(n) })
}

// libraryPlan builds an AWS-shaped plan of n resource changes the way
// `terraform show -json` output decodes: a mix of resource types and
// actions, sensitive and unknown values, and IAM documents as JSON strings.
func libraryPlan(tb testing.TB, n int) *tfjson.Plan {
	tb.Helper()
	changes := make([]map[string]any, n)
	for i := range changes {
		changes[i] = libraryChange(i)
	}
	raw, err := json.Marshal(map[string]any{
		"format_version": "1.2", "terraform_version": "1.9.8", "resource_changes": changes,
	})
	if err != nil {
		tb.Fatal(err)
	}
	var p tfjson.Plan
	if err := json.Unmarshal(raw, &p); err != nil {
		tb.Fatal(err)
	}
	return &p
}

// libraryTypes is the resource type mix, one entry per resource change in turn.
var libraryTypes = []string{
	"aws_s3_bucket", "aws_instance", "aws_iam_role", "aws_iam_policy", "aws_security_group",
	"aws_db_instance", "aws_instance", "aws_iam_role", "aws_security_group_rule", "aws_s3_bucket",
	"aws_eks_node_group", "aws_launch_template", "aws_cloudwatch_log_group", "aws_eks_cluster",
	"aws_iam_role_policy", "aws_instance", "aws_s3_bucket", "aws_iam_role", "aws_route53_record", "aws_kms_key",
}

// clusterSlot is the position of the EKS cluster in each thousand changes.
const clusterSlot = 13

func libraryChange(i int) map[string]any {
	typ := libraryTypes[i%len(libraryTypes)]
	if typ == "aws_eks_cluster" && i%1000 != clusterSlot {
		typ = "aws_sqs_queue" // one cluster per thousand changes, as in real estates
	}
	name := fmt.Sprintf("r%d", i)
	before, after := libraryAttrs(typ, i, false), libraryAttrs(typ, i, true)
	sens := map[string]any{}
	if typ == "aws_db_instance" {
		sens["password"] = true
	}
	var actions []string
	switch i % 10 {
	case 0, 1, 2, 3, 4:
		actions, after = []string{"no-op"}, libraryAttrs(typ, i, false)
	case 5, 6:
		actions = []string{"update"}
	case 7, 8:
		actions, before = []string{"create"}, nil
	case 9:
		actions = []string{"delete", "create"}
		if i%20 == 19 {
			actions, after = []string{"delete"}, nil
		}
	}
	unknown := map[string]any{}
	if after != nil && actions[0] != "no-op" {
		unknown = map[string]any{"id": true, "arn": true}
	}
	return map[string]any{
		"address": typ + "." + name, "mode": "managed", "type": typ, "name": name,
		"provider_name": "registry.terraform.io/hashicorp/aws",
		"change": map[string]any{
			"actions": actions, "before": before, "after": after, "after_unknown": unknown,
			"before_sensitive": sens, "after_sensitive": sens,
		},
	}
}

// libraryAttrs returns plausible attributes of a resource of type typ;
// after differs from before in a few values.
func libraryAttrs(typ string, i int, after bool) map[string]any {
	name := fmt.Sprintf("gen3-%d", i)
	tags := map[string]any{"Environment": "prod", "Organization": "gen3", "Name": name}
	a := map[string]any{"id": name, "arn": "arn:aws:service:us-east-1:123456789012:" + name, "tags": tags, "tags_all": tags}
	switch typ {
	case "aws_s3_bucket":
		a["bucket"], a["force_destroy"] = name, false
		a["versioning"] = []any{map[string]any{"enabled": true, "mfa_delete": false}}
		a["server_side_encryption_configuration"] = []any{map[string]any{"rule": []any{map[string]any{
			"apply_server_side_encryption_by_default": []any{map[string]any{"sse_algorithm": "aws:kms", "kms_master_key_id": ""}},
			"bucket_key_enabled":                      true,
		}}}}
	case "aws_db_instance":
		a["identifier"], a["engine"], a["engine_version"] = name, "postgres", "14.10"
		a["instance_class"], a["allocated_storage"], a["port"] = "db.m5.large", 100, 5432
		a["username"], a["password"] = "fence_user", "s3cr3t"
		a["skip_final_snapshot"], a["deletion_protection"] = false, true
		a["final_snapshot_identifier"] = name + "-final"
		a["vpc_security_group_ids"] = []any{"sg-0123456789abcdef0"}
		if after {
			a["allocated_storage"] = 200
		}
	case "aws_iam_role":
		a["name"], a["path"], a["max_session_duration"] = name, "/", 3600
		a["assume_role_policy"] = irsaTrust(i)
	case "aws_iam_policy", "aws_iam_role_policy":
		a["name"] = name
		a["policy"] = fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::%s/*"]},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::%s"}]}`, name, name)
	case "aws_security_group":
		a["name"], a["vpc_id"] = name, "vpc-0123456789abcdef0"
		a["ingress"] = []any{
			sgRule(443, "tcp", "0.0.0.0/0"), sgRule(22, "tcp", "172.24.0.0/16"), sgRule(5432, "tcp", "10.128.0.0/20"),
		}
		a["egress"] = []any{sgRule(0, "-1", "0.0.0.0/0")}
	case "aws_security_group_rule":
		a["type"], a["from_port"], a["to_port"], a["protocol"] = "ingress", 443, 443, "tcp"
		a["cidr_blocks"], a["security_group_id"] = []any{"10.0.0.0/8"}, "sg-0123456789abcdef0"
	case "aws_eks_cluster":
		a["name"], a["version"] = name, "1.30"
		if after {
			a["version"] = "1.31"
		}
		a["role_arn"] = "arn:aws:iam::123456789012:role/eks"
		a["vpc_config"] = []any{map[string]any{"subnet_ids": []any{"subnet-1", "subnet-2", "subnet-3"}, "endpoint_private_access": true, "endpoint_public_access": false}}
	case "aws_eks_node_group":
		a["cluster_name"] = fmt.Sprintf("gen3-%d", i/1000*1000+clusterSlot)
		a["version"], a["release_version"] = "1.30", "1.30.4-20240917"
		a["instance_types"] = []any{"m5.2xlarge"}
		a["scaling_config"] = []any{map[string]any{"desired_size": 3, "max_size": 10, "min_size": 1}}
	case "aws_launch_template":
		a["name"], a["image_id"] = name, "ami-0123456789abcdef0"
		a["tags"] = map[string]any{"kubernetes_version": "1.30", "Name": name}
	case "aws_instance":
		a["ami"], a["instance_type"], a["subnet_id"] = "ami-0123456789abcdef0", "t3.large", "subnet-1"
		a["vpc_security_group_ids"] = []any{"sg-0123456789abcdef0"}
		a["root_block_device"] = []any{map[string]any{"volume_size": 50, "encrypted": true, "volume_type": "gp3"}}
		if after {
			a["instance_type"] = "t3.xlarge"
		}
	default:
		a["name"], a["retention_in_days"] = name, 90
	}
	return a
}

func sgRule(port int, protocol, cidr string) map[string]any {
	return map[string]any{
		"from_port": port, "to_port": port, "protocol": protocol, "cidr_blocks": []any{cidr},
		"ipv6_cidr_blocks": []any{}, "prefix_list_ids": []any{}, "security_groups": []any{},
		"self": false, "description": "",
	}
}

// irsaTrust is an IRSA trust policy for one service account, or an EC2
// trust policy for every other role.
func irsaTrust(i int) string {
	if i%2 == 1 {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	}
	const oidc = "oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/%s"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"%s:sub":"system:serviceaccount:gen3:sa-%d","%s:aud":"sts.amazonaws.com"}}}]}`, oidc, oidc, i, oidc)
}

// BenchmarkEvaluateLibrary evaluates the bundled library after the plan in
// prod, the goal: under 1 ms, 5 ms and 60 ms for 100, 1,000 and
// 10,000 resource changes.
func BenchmarkEvaluateLibrary(b *testing.B) {
	e, err := Load(context.Background(), []Set{{Name: "gen3", Dir: "library"}})
	if err != nil {
		b.Fatal(err)
	}
	benchmarkPlans(b, e, func(n int) *tfjson.Plan { return libraryPlan(b, n) })
}

// BenchmarkConvertInput measures the input conversion alone, the part of
// Evaluate that does not depend on the rules: with the plan document, and
// with only the normalised changes (what Evaluate converts when no rule
// reads input.plan, as in the bundled library).
func BenchmarkConvertInput(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		plan := libraryPlan(b, n)
		for _, withPlan := range []bool{true, false} {
			in := sampleInput()
			in.Plan, in.Changes = plan, Changes(plan)
			if !withPlan {
				in.Plan = nil
			}
			b.Run(fmt.Sprintf("changes=%d/plan=%v", n, withPlan), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := toValue(in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// benchmarkPlans evaluates e after the plan on plans of 100, 1,000 and
// 10,000 resource changes, failing on an error result.
func benchmarkPlans(b *testing.B, e *Engine, plan func(n int) *tfjson.Plan) {
	for _, n := range []int{100, 1000, 10000} {
		p := plan(n)
		in := sampleInput()
		in.Plan, in.Changes = p, Changes(p)
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
