package csocbot.eks_version_skew_test

import data.csocbot.eks_version_skew

# The input as the engine gives it: input.changes and its index by resource
# type, input.changes_by_type (the same changes, in plan order), which the
# rule reads.
indexed(doc) := object.union(doc, {"changes_by_type": by_type(object.get(doc, "changes", []))})

by_type(changes) := {t: [c | some c in changes; c.type == t] | some c0 in changes; t := c0.type}

unit := {"environment": "prod", "path": "live/gen3-prod/us-east-1/prod/eks"}

cluster(before, after) := {
	"address": "aws_eks_cluster.eks_cluster",
	"type": "aws_eks_cluster",
	"actions": ["update"],
	"before": {"name": "gen3-prod", "version": before},
	"after": {"name": "gen3-prod", "version": after},
}

test_parse if {
	eks_version_skew.parse("1.30") == [1, 30]
	eks_version_skew.parse("1.31.0-20241024") == [1, 31]
	not eks_version_skew.parse("latest")
}

test_one_minor_up_allowed if {
	count(eks_version_skew.deny) == 0 with input as indexed({"unit": unit, "changes": [cluster("1.30", "1.31")]})
}

test_no_version_change_allowed if {
	count(eks_version_skew.deny) == 0 with input as indexed({"unit": unit, "changes": [cluster("1.31", "1.31")]})
}

test_skip_minor_denied if {
	msgs := eks_version_skew.deny with input as indexed({"unit": unit, "changes": [cluster("1.29", "1.31")]})
	count(msgs) == 1
	some m in msgs
	contains(m, "from 1.29 to 1.31")
	contains(m, "to 1.30")
}

test_downgrade_denied if {
	count(eks_version_skew.deny) == 1 with input as indexed({"unit": unit, "changes": [cluster("1.31", "1.30")]})
}

# "1.9" -> "1.10" is one minor up, not a string comparison.
test_numeric_minor if {
	count(eks_version_skew.deny) == 0 with input as indexed({"unit": unit, "changes": [cluster("1.9", "1.10")]})
}

test_new_cluster_allowed if {
	c := {"address": "aws_eks_cluster.eks_cluster", "type": "aws_eks_cluster", "actions": ["create"], "before": null, "after": {"name": "x", "version": "1.31"}}
	count(eks_version_skew.deny) == 0 with input as indexed({"unit": unit, "changes": [c]})
}

node_group(version, release) := {
	"address": "aws_eks_node_group.jupyter",
	"type": "aws_eks_node_group",
	"actions": ["update"],
	"before": {},
	"after": {"cluster_name": "gen3-prod", "version": version, "release_version": release},
}

test_node_group_ahead_denied if {
	msgs := eks_version_skew.deny with input as indexed({"unit": unit, "changes": [cluster("1.30", "1.31"), node_group("1.32", "1.32.0-20250101")]})
	count(msgs) == 2
}

test_node_group_same_allowed if {
	msgs := eks_version_skew.deny with input as indexed({"unit": unit, "changes": [cluster("1.30", "1.31"), node_group("1.31", "1.31.2-20241024")]})
	count(msgs) == 0
}

test_node_group_behind_allowed if {
	msgs := eks_version_skew.deny with input as indexed({"unit": unit, "changes": [cluster("1.30", "1.31"), node_group("1.30", null)]})
	count(msgs) == 0
}

test_node_group_other_cluster_ignored if {
	ng := object.union(node_group("1.33", null), {"after": {"cluster_name": "other", "version": "1.33"}})
	msgs := eks_version_skew.deny with input as indexed({"unit": unit, "changes": [cluster("1.30", "1.31"), ng]})
	count(msgs) == 0
}

test_node_group_without_cluster_in_plan_allowed if {
	count(eks_version_skew.deny) == 0 with input as indexed({"unit": unit, "changes": [node_group("1.40", null)]})
}

launch_template(v) := {
	"address": "aws_launch_template.eks_nodes",
	"type": "aws_launch_template",
	"actions": ["update"],
	"after": {"tags": {"kubernetes_version": v}},
}

test_launch_template_ahead_denied if {
	count(eks_version_skew.deny) == 1 with input as indexed({"unit": unit, "changes": [cluster("1.30", "1.31"), launch_template("1.32")]})
}

test_launch_template_same_allowed if {
	count(eks_version_skew.deny) == 0 with input as indexed({"unit": unit, "changes": [cluster("1.30", "1.31"), launch_template("1.31")]})
}

named_cluster(name, before, after) := object.union(cluster(before, after), {
	"address": sprintf("aws_eks_cluster.%s", [name]),
	"before": {"name": name},
	"after": {"name": name},
})

# A launch template is compared with every cluster of the plan; node groups
# only with their own.
test_several_clusters if {
	lt := object.union(launch_template("1.31"), {"address": "aws_launch_template.gpu"})
	ng_a := object.union(node_group("1.31", null), {"address": "aws_eks_node_group.a", "after": {"cluster_name": "a"}})
	ng_b := object.union(node_group("1.31", null), {"address": "aws_eks_node_group.b", "after": {"cluster_name": "b"}})
	msgs := eks_version_skew.deny with input as indexed({"unit": unit, "changes": [
		named_cluster("a", "1.30", "1.31"),
		named_cluster("b", "1.29", "1.30"),
		launch_template("1.30"),
		lt,
		ng_a,
		ng_b,
	]})
	count(msgs) == 2
	some m1 in msgs
	contains(m1, "launch template aws_launch_template.gpu is tagged kubernetes_version = 1.31 but the control plane b is at 1.30")
	some m2 in msgs
	contains(m2, "node group aws_eks_node_group.b would run Kubernetes 1.31 (version) but the control plane b is at 1.30")
}

# With one cluster in the plan, a node group whose cluster_name is null
# belongs to it.
test_node_group_null_cluster_name_single_cluster if {
	ng := object.union(node_group("1.32", null), {"after": {"cluster_name": null}})
	msgs := eks_version_skew.deny with input as indexed({"unit": unit, "changes": [cluster("1.30", "1.31"), ng]})
	count(msgs) == 1
	some m in msgs
	contains(m, "control plane gen3-prod is at 1.31")
}

# A node group whose cluster_name is known only after apply (missing from
# after) belongs to the plan's only cluster.
test_node_group_of_unknown_cluster if {
	ng := json.remove(node_group("1.32", null), ["after/cluster_name"])
	msgs := eks_version_skew.deny with input as indexed({"unit": unit, "changes": [cluster("1.30", "1.31"), ng]})
	count(msgs) >= 1
}
