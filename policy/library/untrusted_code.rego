# Rule: untrusted_code
#
# Pre-plan gate (uses only input.config, so it runs before terraform or
# terragrunt executes anything). A pull request can make the bot's plan run
# arbitrary commands: an `external` data source, a `local-exec` /
# `remote-exec` provisioner, or Terragrunt's run_cmd(). These are denied
# unless the unit path is listed in data.csocbot_allow.untrusted_code_units.
#
# Grounded in:
#   - indiana-university/gen3-kro/units/eks-cluster/terragrunt.hcl and
#     Su-informatics-lab/gen3-gitops/terragrunt/commons/root.hcl
#     (Terragrunt functions such as get_env() are evaluated while the bot
#     parses the config; run_cmd() is evaluated the same way, so it would run
#     on the bot's host at plan time)
#   - uc-cdis/gen3-terraform/examples/gen3-deployment/main.tf (a plain
#     terraform root whose resources and data sources the bot plans)
# The corpus itself uses none of these constructs.
#
# Only code the pull request changes is judged: a provisioner or data
# source in a file the pull request adds or modifies (pr.changed_files), so
# code already reviewed on the base branch does not fail every later pull
# request. Where the changed files are not known (pr.changed_files empty,
# e.g. `csocbot policy eval` without --input), everything is judged. run_cmd
# is judged whenever the unit uses it: its file is not recorded.
#
# Input: input.unit.path, input.pr.changed_files[_].path,
# input.config.data_sources[_].{type,name,address,file},
# input.config.provisioners[_].{resource,type,file}, input.config.uses_run_cmd;
# data.csocbot_allow.untrusted_code_units (unit paths) and
# data.csocbot_allow.untrusted_code_modules (module folders, from the
# repository root: code in them, or below them, is allowed wherever it runs).
package csocbot.untrusted_code

allowlisted if input.unit.path in data.csocbot_allow.untrusted_code_units

# in_allowed_module holds for files inside an allowlisted module folder.
in_allowed_module(file) if {
	some dir in data.csocbot_allow.untrusted_code_modules
	startswith(file, concat("", [trim_suffix(dir, "/"), "/"]))
}

changed_paths := {f.path | some f in input.pr.changed_files; f.status != "removed"}

# judged holds for code in file that this pull request changes, or for any
# file when the changed files are unknown.
judged(file) if count(input.pr.changed_files) == 0

judged(file) if not input.pr.changed_files

judged(file) if file in changed_paths

exec_provisioners := {"local-exec", "remote-exec"}

allow_hint := sprintf("Remove it, or have a maintainer add %q to data.csocbot_allow.untrusted_code_units (or its module folder to untrusted_code_modules).", [input.unit.path])

deny contains msg if {
	not allowlisted
	some d in input.config.data_sources
	d.type == "external"
	file := object.get(d, "file", "")
	judged(file)
	not in_allowed_module(file)
	msg := sprintf(
		"%s: data \"external\" %q runs a program on the bot's host during plan. %s",
		[input.unit.path, d.name, allow_hint],
	)
}

deny contains msg if {
	not allowlisted
	some p in input.config.provisioners
	p.type in exec_provisioners
	file := object.get(p, "file", "")
	judged(file)
	not in_allowed_module(file)
	msg := sprintf(
		"%s: resource %s has a %s provisioner, which runs arbitrary commands when applied. %s",
		[input.unit.path, p.resource, p.type, allow_hint],
	)
}

deny contains msg if {
	not allowlisted
	input.config.uses_run_cmd == true
	msg := sprintf(
		"%s: the Terragrunt config calls run_cmd(), which executes a command on the bot's host while the config is parsed. %s",
		[input.unit.path, allow_hint],
	)
}
