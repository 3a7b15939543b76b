# Rule: eks_version_skew
#
# EKS control planes upgrade one minor version at a time and cannot be
# downgraded; worker nodes must never run a newer Kubernetes than the control
# plane. A plan that changes `version` on an aws_eks_cluster must move exactly
# one minor version up, and node groups / launch templates in the same plan
# must not be ahead of the control plane's target version.
#
# Grounded in:
#   - uc-cdis/gen3-terraform/tf_files/aws/eks/variables.tf (variable "eks_version")
#   - uc-cdis/gen3-terraform/tf_files/aws/eks/sample.tfvars (eks_version = "1.16")
#   - Su-informatics-lab/gen3-gitops/terragrunt/commons/root.hcl (eks_version = "1.31")
#   - indiana-university/gen3-kro/units/eks-cluster/terragrunt.hcl (cluster_version = "1.31")
#
# Input: input.changes_by_type.{aws_eks_cluster,aws_eks_node_group,
# aws_launch_template}[_].{address,type,actions,before,after}; for
# aws_eks_cluster `before.version`/`after.version` ("1.30"), for
# aws_eks_node_group `after.version` and `after.release_version`
# ("1.31.0-20241024"), for aws_launch_template a Kubernetes version in the
# tag named by `k8s_version_tags` (see README).
package csocbot.eks_version_skew

# Tags on an aws_launch_template that carry the Kubernetes version its AMI
# was built for (launch templates have no version attribute of their own).
k8s_version_tags := ["kubernetes_version", "k8s_version", "eks_version", "eks:kubernetes-version"]

# parse("1.30") = [1, 30]; also accepts "1.31.0-20241024" (release_version).
parse(v) := [to_number(m[1]), to_number(m[2])] if {
	is_string(v)
	m := regex.find_all_string_submatch_n(`^v?(\d+)\.(\d+)`, v, 1)[0]
}

ahead(a, b) if a[0] > b[0]

ahead(a, b) if {
	a[0] == b[0]
	a[1] > b[1]
}

cluster_changes contains c if {
	some c in input.changes_by_type.aws_eks_cluster
	not "delete" in c.actions
}

deny contains msg if {
	some c in cluster_changes
	before := parse(c.before.version)
	after := parse(c.after.version)
	before != after
	not one_minor_up(before, after)
	msg := sprintf(
		"%s: %s changes the EKS version from %s to %s; EKS upgrades must go exactly one minor version up (to %d.%d) and cannot be downgraded. Upgrade one minor version per change.",
		[input.unit.path, c.address, c.before.version, c.after.version, before[0], before[1] + 1],
	)
}

one_minor_up(before, after) if {
	after[0] == before[0]
	after[1] == before[1] + 1
}

# Target control-plane version of each cluster in the plan, by cluster name.
cluster_version[name] := v if {
	some c in cluster_changes
	name := cluster_name(c)
	v := parse(c.after.version)
}

cluster_name(c) := c.after.name if is_string(c.after.name)

# The clusters of the plan that the version string v is ahead of (an empty
# set if none, or if v is not a version). OPA caches a function's result
# per argument value, so each distinct string is parsed and compared with
# the clusters once, however many node groups and launch templates carry
# it, and the common case (ahead of no cluster) costs a cache lookup. The
# checks below skip deleted resources first, so cluster_version (an
# evaluation error if two clusters share a name but not a version) is
# worked out only when a live node group or launch template has a version,
# as it always has been.
clusters_behind(v) := {name |
	tv := parse(v)
	some name, cv in cluster_version
	ahead(tv, cv)
}

deny contains msg if {
	some ng in input.changes_by_type.aws_eks_node_group
	not "delete" in ng.actions
	some attr in ["version", "release_version"]
	some name in clusters_behind(ng.after[attr])
	node_group_cluster(ng) == name
	cv := cluster_version[name]
	msg := sprintf(
		"%s: node group %s would run Kubernetes %s (%s) but the control plane %s is at %d.%d in this plan; nodes must never be ahead of the control plane. Upgrade the cluster first, then the node groups.",
		[input.unit.path, ng.address, ng.after[attr], attr, name, cv[0], cv[1]],
	)
}

# A node group belongs to the cluster it names; when the plan has a single
# cluster and the name is not known yet (null, or missing: terraform leaves
# a value it knows only after apply out of after), it is that cluster.
node_group_cluster(ng) := name if {
	name := ng.after.cluster_name
	is_string(name)
}

node_group_cluster(ng) := name if {
	not is_string(object.get(ng.after, "cluster_name", null))
	count(cluster_version) == 1
	some name, _ in cluster_version
}

deny contains msg if {
	some lt in input.changes_by_type.aws_launch_template
	not "delete" in lt.actions
	some tag in k8s_version_tags
	some name in clusters_behind(lt.after.tags[tag])
	cv := cluster_version[name]
	msg := sprintf(
		"%s: launch template %s is tagged %s = %s but the control plane %s is at %d.%d in this plan; node AMIs must never be ahead of the control plane. Upgrade the cluster first.",
		[input.unit.path, lt.address, tag, lt.after.tags[tag], name, cv[0], cv[1]],
	)
}
