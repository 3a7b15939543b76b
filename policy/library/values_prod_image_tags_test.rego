package csocbot.values_prod_image_tags_test

import data.csocbot.values_prod_image_tags

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

deny(env, changes) := msgs if {
	msgs := values_prod_image_tags.deny with input as values_input(env, changes)
}

# uc-cdis/gen3-gitops/midrcprod/data.midrc.org/values/values.yaml
test_release_bump_allowed if {
	count(deny(prod_env, [
		change("fence.image.tag", "2026.07", "2026.08"),
		change("etl.image.tube.tag", "2026.07", "2026.08"),
		change("dicom-server.image.tag", "gen3-0.1.2", "gen3-0.1.3"),
		change("ohif-viewer.image.tag", "gen3-v3.9.3", "gen3-v3.9.4"),
		change("fluentd.image.tag", "v1.15.3-debian-cloudwatch-1.0", "v1.16.0-debian-cloudwatch-1.0"),
	])) == 0
}

test_moving_tags_denied if {
	msgs := deny(prod_env, [
		change("fence.image.tag", "2026.07", "master"),
		change("portal.image.tag", "2026.07", "latest"),
		added("image.tag", "main"),
	])
	count(msgs) == 3
	some m in msgs
	contains(m, "application gen3-midrcprod (midrcprod/data.midrc.org/templates/app.yaml) is prod, and fence.image.tag is set to \"master\" (was \"2026.07\"): a moving tag")
}

# uc-cdis/gen3-gitops/emalinowskiv1/emalinowskiv1.planx-pla.net/values/values.yaml
test_feature_branch_tags_denied if {
	msgs := deny(prod_env, [
		change("guppy.image.tag", "2026.07", "feat_es7"),
		change("sower.image.tag", "2026.07", "feat_GPE-788"),
		change("fence.image.tag", "2026.07", "feature-login"),
		change("indexd.image.tag", "2026.07", "fix_indexing"),
		change("sheepdog.image.tag", "2026.07", "chore/deps"),
		change("metadata.image.tag", "2026.07", "alice/experiment"),
		change("hatchery.image.tag", "2026.07", "test_distroless"),
	])
	count(msgs) == 7
	some m in msgs
	contains(m, "guppy.image.tag is set to \"feat_es7\" (was \"2026.07\"): a feature-branch build")
}

test_non_prod_not_judged if {
	count(deny(staging_env, [change("fence.image.tag", "2026.07", "feat_es7")])) == 0
}

test_only_image_tags if {
	count(deny(prod_env, [
		change("global.environment", "midrcprod", "master"),
		change("portal.customConfig.branch", "master", "feat/new-portal"),
		change("fence.image.repository", "quay.io/cdis/fence", "quay.io/cdis/fence/latest"),
	])) == 0
}

test_added_service_map_walked if {
	msgs := deny(prod_env, [added("requestor", {
		"enabled": true,
		"image": {"repository": "707767160287.dkr.ecr.us-east-1.amazonaws.com/gen3/requestor", "tag": "master"},
	})])
	count(msgs) == 1
	some m in msgs
	contains(m, "requestor.image.tag is set to \"master\"")
}

test_removed_not_judged if {
	count(deny(prod_env, [{"path": "fence.image.tag", "op": "removed", "before": "master", "after": null, "before_type": "string", "after_type": "null", "type_changed": true}])) == 0
}
