# Rule: values_image_tag_type
#
# Image tags must be strings. YAML reads an unquoted `tag: 2026.10` as the
# number 2026.1, and Helm renders the number, so the pod pulls the image
# `…:2026.1`, which does not exist (or is an older release). The Gen3
# release tags are dates like 2026.07 and 2026.10, where this bites every
# October. Every tag the pull request sets is judged (input.values.changes,
# op added or changed: a path ending in `.tag`, or a `tag` key inside an
# added or changed map), in every environment.
#
# Grounded in:
#   - uc-cdis/gen3-gitops/midrcprod/data.midrc.org/values/values.yaml
#     every tag quoted, tag: '2026.07'
#   - uc-cdis/gen3-gitops/midrcprod/staging.midrc.org/values/values.yaml
#   - uc-cdis/gen3-gitops/emalinowskiv1/emalinowskiv1.planx-pla.net/values/values.yaml
#     an unquoted tag: 1.4.2, which YAML keeps a string only because it has
#     two dots
#
# Input: input.values.application, input.values.changes
package csocbot.values_image_tag_type

app := input.values.application

# numbers are [path, value, before] for every tag the pull request sets to
# a number.
numbers contains [c.path, c.after, c.before] if {
	some c in input.values.changes
	c.op in {"added", "changed"}
	tag_path(c.path)
	is_number(c.after)
}

numbers contains [concat("", [c.path, render(p)]), v, null] if {
	some c in input.values.changes
	c.op in {"added", "changed"}
	is_collection(c.after)
	walk(c.after, [p, v])
	is_number(v)
	p[count(p) - 1] == "tag"
	object.get({"v": c.before}, array.concat(["v"], p), null) != v
}

tag_path(path) if path == "tag"

tag_path(path) if endswith(path, ".tag")

is_collection(x) if is_object(x)

is_collection(x) if is_array(x)

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

was(before) := sprintf(" (it was the string %q)", [before]) if {
	is_string(before)
} else := ""

deny contains msg if {
	some [path, n, before] in numbers
	msg := sprintf(
		"application %s (%s): %s is the number %v, not a string%s. YAML reads an unquoted tag as a number (2026.10 becomes 2026.1), so the image pulled would be tagged %v. Quote the tag as written, e.g. tag: \"2026.10\".",
		[app.name, app.file, path, n, was(before), n],
	)
}
