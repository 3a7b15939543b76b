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
# Input: input.unit.path, input.config.data_sources[_].{type,name},
# input.config.provisioners[_].{resource,type}, input.config.uses_run_cmd;
# data.csocbot_allow.untrusted_code_units (list of unit paths).
package csocbot.untrusted_code

allowlisted if input.unit.path in data.csocbot_allow.untrusted_code_units

exec_provisioners := {"local-exec", "remote-exec"}

allow_hint := sprintf("Remove it, or have a maintainer add %q to data.csocbot_allow.untrusted_code_units.", [input.unit.path])

deny contains msg if {
	not allowlisted
	some d in input.config.data_sources
	d.type == "external"
	msg := sprintf(
		"%s: data \"external\" %q runs a program on the bot's host during plan. %s",
		[input.unit.path, d.name, allow_hint],
	)
}

deny contains msg if {
	not allowlisted
	some p in input.config.provisioners
	p.type in exec_provisioners
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
