package csocbot.values_argocd_hygiene_test

import data.csocbot.values_argocd_hygiene

# uc-cdis/gen3-gitops/midrcprod/data.midrc.org/templates/app.yaml
midrc_sources := [
	{"repo_url": "https://github.com/uc-cdis/gen3-helm", "path": "helm/gen3", "chart": "", "target_revision": "feat/deployment-canary", "ref": ""},
	{"repo_url": "https://github.com/uc-cdis/gen3-gitops.git", "path": "", "chart": "", "target_revision": "master", "ref": "values"},
]

manifest := "midrcprod/data.midrc.org/templates/app.yaml"

value_file := "midrcprod/data.midrc.org/values/values.yaml"

doc(prod, sources, files, changed) := {
	"pr": {"changed_files": [{"path": p, "status": "modified"} | some p in changed]},
	"values": {
		"application": {"name": "gen3-midrcprod", "namespace": "argocd", "project": "default", "file": manifest, "sources": sources},
		"environment": {"name": "midrcprod", "prod": prod, "cluster": "midrcprod", "account": "813684607867", "hostname": "data.midrc.org"},
		"value_files": files, "before": {}, "after": {}, "changes": [], "objects": [],
	},
}

master_sources := [object.union(midrc_sources[0], {"target_revision": "master"}), midrc_sources[1]]

test_feature_branch_denied_when_manifest_changes if {
	msgs := values_argocd_hygiene.deny with input as doc(true, midrc_sources, [{"path": value_file, "exists": true}], [manifest])
	count(msgs) == 1
	some m in msgs
	contains(m, "application gen3-midrcprod (midrcprod/data.midrc.org/templates/app.yaml) is prod, but its source https://github.com/uc-cdis/gen3-helm (path helm/gen3) follows targetRevision \"feat/deployment-canary\", which looks like a feature branch")
	contains(m, "data.csocbot_allow.values_prod_target_revisions")
}

test_feature_branch_warned_when_only_values_change if {
	doc_in := doc(true, midrc_sources, [{"path": value_file, "exists": true}], [value_file])
	count(values_argocd_hygiene.deny) == 0 with input as doc_in
	w := values_argocd_hygiene.warn with input as doc_in
	count(w) == 1
	some m in w
	contains(m, "does not change the manifest")
}

test_unknown_changed_files_deny if {
	count(values_argocd_hygiene.deny) == 1 with input as doc(true, midrc_sources, [], [])
}

test_master_allowed if {
	count(values_argocd_hygiene.deny) == 0 with input as doc(true, master_sources, [], [manifest])
	count(values_argocd_hygiene.warn) == 0 with input as doc(true, master_sources, [], [manifest])
}

test_release_branches_and_tags_allowed if {
	sources := [
		object.union(midrc_sources[0], {"target_revision": "release/2026.07"}),
		object.union(midrc_sources[0], {"target_revision": "2026.07"}),
		object.union(midrc_sources[0], {"target_revision": "gen3-0.2.1"}),
		object.union(midrc_sources[0], {"target_revision": ""}),
	]
	count(values_argocd_hygiene.deny) == 0 with input as doc(true, sources, [], [manifest])
}

test_other_feature_branches_denied if {
	sources := [object.union(midrc_sources[0], {"target_revision": r}) | some r in ["feature-x", "fix_login", "chore/deps", "alice/try", "test_canary"]]
	count(values_argocd_hygiene.deny) == 5 with input as doc(true, sources, [], [manifest])
}

test_non_prod_not_judged if {
	count(values_argocd_hygiene.deny) == 0 with input as doc(false, midrc_sources, [], [manifest])
}

test_allowlist if {
	doc_in := doc(true, midrc_sources, [], [manifest])
	count(values_argocd_hygiene.deny) == 0 with input as doc_in
		with data.csocbot_allow.values_prod_target_revisions as ["master", "feat/deployment-canary"]
	msgs := values_argocd_hygiene.deny with input as doc_in with data.csocbot_allow.values_prod_target_revisions as ["master", "2026.*"]
	count(msgs) == 1
	some m in msgs
	contains(m, "\"feat/deployment-canary\", which is not in data.csocbot_allow.values_prod_target_revisions")
}

test_missing_value_file_denied if {
	files := [{"path": value_file, "exists": true}, {"path": "midrcprod/data.midrc.org/values/fence.yaml", "exists": false}]
	msgs := values_argocd_hygiene.deny with input as doc(false, master_sources, files, [value_file])
	count(msgs) == 1
	some m in msgs
	contains(m, "application gen3-midrcprod (midrcprod/data.midrc.org/templates/app.yaml) lists the value file midrcprod/data.midrc.org/values/fence.yaml, which does not exist at the pull request's head")
}

test_nothing_without_values if {
	count(values_argocd_hygiene.deny) == 0 with input as {"unit": {"environment": "prod"}, "pr": {"changed_files": []}}
	count(values_argocd_hygiene.warn) == 0 with input as {"unit": {"environment": "prod"}, "pr": {"changed_files": []}}
}
