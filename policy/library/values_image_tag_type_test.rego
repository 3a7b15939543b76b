package csocbot.values_image_tag_type_test

import data.csocbot.values_image_tag_type

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

deny(changes) := msgs if {
	msgs := values_image_tag_type.deny with input as values_input(staging_env, changes)
}

test_number_tag_denied if {
	msgs := deny([change("fence.image.tag", "2026.09", 2026.1)])
	count(msgs) == 1
	some m in msgs
	contains(m, "application gen3-midrcprod (midrcprod/data.midrc.org/templates/app.yaml): fence.image.tag is the number 2026.1, not a string (it was the string \"2026.09\")")
	contains(m, "tag: \"2026.10\"")
}

test_integer_tag_denied if {
	msgs := deny([added("etl.image.spark.tag", 2026)])
	some m in msgs
	contains(m, "etl.image.spark.tag is the number 2026, not a string.")
}

# uc-cdis/gen3-gitops/midrcprod/data.midrc.org/values/values.yaml
test_string_tags_allowed if {
	count(deny([
		change("fence.image.tag", "2026.07", "2026.10"),
		added("arborist.image.tag", "1.4.2"),
		change("global.dispatcherJobNum", "10", 12),
	])) == 0
}

test_added_map_walked if {
	msgs := deny([added("audit", {"enabled": true, "image": {"repository": "x", "tag": 2026.1}})])
	count(msgs) == 1
	some m in msgs
	contains(m, "audit.image.tag is the number 2026.1")
}

test_unchanged_number_in_changed_map_not_judged if {
	count(deny([change("audit.image", {"repository": "x", "tag": 2026.1}, {"repository": "y", "tag": 2026.1})])) == 0
}
