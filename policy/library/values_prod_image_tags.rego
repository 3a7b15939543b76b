# Rule: values_prod_image_tags
#
# In a prod environment an image tag the pull request sets must name a
# release build. `latest`, `master`, `main` and `develop` are moving tags,
# and feature-branch builds (`feat_…`, `feature…`, `fix_…`, `chore…`,
# `test_…`, anything with a `/`) are rebuilt on every push to their branch:
# what runs in prod would change without a review and could not be rebuilt.
# Only tags the pull request sets are judged (input.values.changes, op
# added or changed: a changed `<service>.image.tag`, `image.tag`, a
# `<service>.image.<part>.tag` like etl's tube and spark, or such a tag
# inside an added or changed map), so tags already deployed do not block
# unrelated pull requests. Other environments are not judged.
#
# Grounded in the tags the Gen3 values use:
#   - uc-cdis/gen3-gitops/midrcprod/data.midrc.org/values/values.yaml
#     prod release tags '2026.07', gen3-0.1.2, gen3-v3.9.3
#   - uc-cdis/gen3-gitops/emalinowskiv1/emalinowskiv1.planx-pla.net/values/values.yaml
#     a dev environment running master, feat_GPE-1113, feat_es7, test_distroless
#   - Su-informatics-lab/gen3-gitops/ardac1prd/portal.ardac.org/values.yaml
#     prod services on tag "master" and "main"
#   - uc-cdis/gen3-gitops/unfunded/diseasedatahub.org/values/etl.yaml
#     etl image.tube.tag and image.spark.tag: master
#
# Input: input.values.application, input.values.environment.prod,
# input.values.changes
package csocbot.values_prod_image_tags

app := input.values.application

# tags are [path, tag, before] for every image tag the pull request sets.
tags contains [c.path, c.after, c.before] if {
	some c in input.values.changes
	c.op in {"added", "changed"}
	is_string(c.after)
	image_tag_path(c.path)
}

tags contains [path, v, ""] if {
	some c in input.values.changes
	c.op in {"added", "changed"}
	is_collection(c.after)
	walk(c.after, [p, v])
	is_string(v)
	p[count(p) - 1] == "tag"
	object.get({"v": c.before}, array.concat(["v"], p), null) != v
	path := concat("", [c.path, render(p)])
	image_tag_path(path)
}

is_collection(x) if is_object(x)

is_collection(x) if is_array(x)

image_tag_path(path) if regex.match(`(^|\.)image(\.[^.\[\]"]+)?\.tag$`, path)

render(p) := concat("", [segment(k) | some k in p])

segment(k) := sprintf("[%d]", [k]) if is_number(k)

segment(k) := sprintf(".%s", [k]) if {
	is_string(k)
	regex.match(`^[A-Za-z0-9_-]+$`, k)
}

segment(k) := sprintf("[%q]", [k]) if {
	is_string(k)
	not regex.match(`^[A-Za-z0-9_-]+$`, k)
}

moving_tags := {"latest", "master", "main", "develop", "dev", "head"}

# problem says why a tag does not name a release build.
problem(tag) := "a moving tag, which points at whatever was built last" if {
	lower(tag) in moving_tags
} else := "a feature-branch build, rebuilt on every push to its branch" if {
	regex.match(`(?i)^(feat|feature|features|fix|bugfix|hotfix|chore|test|wip|tmp|temp)([_/.-]|$)|/`, tag)
}

was(before) := sprintf(" (was %q)", [before]) if {
	is_string(before)
	before != ""
} else := ""

deny contains msg if {
	input.values.environment.prod == true
	some [path, tag, before] in tags
	why := problem(tag)
	msg := sprintf(
		"application %s (%s) is prod, and %s is set to %q%s: %s. What runs in prod would change without review and could not be rebuilt; use a release tag, like the 2026.07 tags the Gen3 services use.",
		[app.name, app.file, path, tag, was(before), why],
	)
}
