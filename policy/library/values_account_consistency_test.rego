package csocbot.values_account_consistency_test

import data.csocbot.values_account_consistency

# uc-cdis/gen3-gitops/midrcprod/data.midrc.org/templates/app.yaml
app := {
	"name": "gen3-midrcprod", "namespace": "argocd", "project": "default",
	"file": "midrcprod/data.midrc.org/templates/app.yaml", "sources": [],
}

# uc-cdis/gen3-gitops/midrcprod/cluster-values/cluster-values.yaml
prod_env := {"name": "midrcprod", "prod": true, "cluster": "midrcprod", "account": "813684607867", "hostname": "data.midrc.org"}

staging_env := {"name": "midrcstaging", "prod": false, "cluster": "midrcprod", "account": "813684607867", "hostname": "staging.midrc.org"}

values_input(env, changes) := {"values": {
	"application": app, "environment": env, "value_files": [],
	"before": {}, "after": {}, "changes": changes, "objects": [],
}}

type_of(x) := "null" if x == null

type_of(x) := "string" if is_string(x)

type_of(x) := "number" if is_number(x)

type_of(x) := "bool" if is_boolean(x)

type_of(x) := "map" if is_object(x)

type_of(x) := "list" if is_array(x)

change(path, before, after) := {
	"path": path, "op": "changed", "before": before, "after": after,
	"before_type": type_of(before), "after_type": type_of(after), "type_changed": type_of(before) != type_of(after),
}

added(path, after) := {
	"path": path, "op": "added", "before": null, "after": after,
	"before_type": "null", "after_type": type_of(after), "type_changed": true,
}

# uc-cdis/gen3-gitops/midrcprod/data.midrc.org/values/values.yaml
midrc := {
	"global": {"aws": {
		"account": "813684607867",
		"secretStoreServiceAccount": {"enabled": true, "roleArn": "arn:aws:iam::813684607867:role/midrcprod-external-secrets-sa"},
	}},
	"audit": {"serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::813684607867:role/midrcprod--midrcprod-helm--audit-sqs-receiver"}}},
	"ssjdispatcher": {
		"serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::813684607867:role/gen3_service/midrcprod--default--ssj"}},
		"jobServiceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::813684607867:role/gen3_service/midrcprod--default--ssj-job"}},
	},
}

# Su-informatics-lab/gen3-gitops/ardac1prd/portal.ardac.org/values.yaml
ardac_role := "arn:aws:iam::742378880825:role/gen3_service/ardac1prd-default-fence-sa"

fence_role := {"fence": {"serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": ardac_role}}}}

doc(before, after) := {"values": {
	"application": app, "environment": prod_env, "value_files": [],
	"before": before, "after": after, "changes": [], "objects": [],
}}

deny(before, after) := msgs if {
	msgs := values_account_consistency.deny with input as doc(before, after)
}

test_same_account_allowed if {
	count(deny({}, midrc)) == 0
}

test_new_role_from_other_account_denied if {
	msgs := deny(midrc, object.union(midrc, fence_role))
	count(msgs) == 1
	some m in msgs
	contains(m, "application gen3-midrcprod (midrcprod/data.midrc.org/templates/app.yaml): fence.serviceAccount.annotations[\"eks.amazonaws.com/role-arn\"] is the role arn:aws:iam::742378880825:role/gen3_service/ardac1prd-default-fence-sa in account 742378880825, but cluster midrcprod's accountNumber is 813684607867 and global.aws.account is 813684607867.")
	contains(m, "Use the role of account 813684607867")
}

test_existing_role_not_judged if {
	old := object.union(midrc, fence_role)
	count(deny(old, old)) == 0
}

test_account_change_judges_every_role if {
	moved := object.union(midrc, {"global": {"aws": {"account": "742378880825"}}})
	msgs := deny(midrc, moved)

	# global.aws.account differs from the cluster, and four roles from both
	# the new global.aws.account.
	count(msgs) == 5
	some m in msgs
	contains(m, "global.aws.account is set to 742378880825, but it runs in cluster midrcprod, whose cluster-values accountNumber is 813684607867")
}

test_external_secrets_role_judged if {
	bad := object.union(midrc, {"global": {"aws": {"secretStoreServiceAccount": {"roleArn": "arn:aws:iam::111122223333:role/x"}}}})
	msgs := deny(midrc, bad)
	count(msgs) == 1
	some m in msgs
	contains(m, "global.aws.secretStoreServiceAccount.roleArn is the role arn:aws:iam::111122223333:role/x")
}

test_allowlisted_role if {
	count(values_account_consistency.deny) == 0 with input as doc(midrc, object.union(midrc, fence_role))
		with data.csocbot_allow.values_cross_account_roles as ["arn:aws:iam::742378880825:role/gen3_service/*"]
}

test_role_in_list_item if {
	after := object.union(midrc, {"sower": {"sowerConfig": [{"name": "pelican-export", "serviceAccountAnnotations": {"eks.amazonaws.com/role-arn": ardac_role}}]}})
	msgs := deny(midrc, after)
	some m in msgs
	contains(m, "sower.sowerConfig[0].serviceAccountAnnotations[\"eks.amazonaws.com/role-arn\"]")
}

test_numeric_account if {
	count(deny({}, object.union(midrc, {"global": {"aws": {"account": 813684607867}}}))) == 0
}

test_not_an_arn_warned if {
	w := values_account_consistency.warn with input as doc(midrc, object.union(midrc, {"fence": {"serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "midrcprod-fence-sa"}}}}))
	count(w) == 1
}

test_no_expected_account if {
	count(values_account_consistency.deny) == 0 with input as {"values": {
		"application": app, "environment": {"name": "x", "prod": false, "cluster": "x", "account": "", "hostname": ""},
		"value_files": [], "before": {}, "after": fence_role, "changes": [], "objects": [],
	}}
}
