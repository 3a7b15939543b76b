# Rule: assumed_roles
#
# Pre-plan gate (uses only input.unit and input.config, so it runs before
# terraform or terragrunt executes anything). csocbot gives each run the
# credentials of the unit's credential profile: the plan role for a plan,
# the apply role for an apply. Code can ask for more: a Terragrunt
# iam_role (or a role in its remote_state configuration), or a provider
# block's assume_role / assume_role_with_web_identity, makes terraform
# assume another role with those credentials, and then it can do whatever
# that role can, before anyone has reviewed the code. Every role the code
# assumes must be the profile's plan or apply role or match one of its
# allowed_roles (role ARNs where * matches any characters), set by the
# operators in the server configuration, never in the repository.
#
# Grounded in:
#   - uc-cdis/gen3-terraform/examples/gen3-deployment/main.tf (a root's own
#     provider "aws" block: the provider's credentials are whatever the
#     root's code configures)
#   - Su-informatics-lab/gen3-gitops/terragrunt/jump/root.hcl (a shared
#     root.hcl generating the provider "aws" block of every unit, with
#     profile = var.profile: a change to one generate block reaches every
#     unit, and an assume_role there would too)
# The corpus assumes no role in code: its providers use the credentials
# they are given.
#
# Every role is judged wherever it is written: in a file the pull request
# changes or not, in the repository's code, generated code or a remote
# module. Allowing one is a setting of the server, not of a pull request,
# so a role already on the base branch is added to allowed_roles once.
#
# A role given by an expression csocbot cannot evaluate before the plan
# (config.assumed_roles[_].unknown: a variable, a local, a function, a
# dependency output) could be any role, so it is denied: write the ARN
# literally. A unit without a credential profile (unit.credentials.profile
# "": no credentials are configured for it, or the input comes from
# `csocbot policy eval` / `preview`, which read no server configuration)
# has nothing allowed, as a missing allowlist allows nothing elsewhere in
# this library: its runs get the bot's own credentials or none, and a role
# the code assumes is one no operator has chosen.
#
# Input: input.unit.path, input.unit.credentials.{profile,plan_role_arn,apply_role_arn,allowed_roles},
# input.config.assumed_roles[_].{role_arn,unknown,via,provider,module,file,line,remote,generated,module_source,module_version}.
package csocbot.assumed_roles

credentials := object.get(input.unit, "credentials", {})

profile := object.get(credentials, "profile", "")

# allowed holds for a role the unit's credential profile allows: its plan
# or apply role, or one matching an allowed_roles pattern.
allowed(arn) if {
	arn != ""
	arn in {object.get(credentials, "plan_role_arn", ""), object.get(credentials, "apply_role_arn", "")}
}

allowed(arn) if {
	some pattern in object.get(credentials, "allowed_roles", [])
	glob.match(pattern, null, arn)
}

provider_blocks := {"assume_role", "assume_role_with_web_identity"}

# where says where a role is assumed, for messages.
where(r) := sprintf("the Terragrunt iam_role of %s (or a file it includes)", [object.get(r, "file", "")]) if r.via == "iam_role"

where(r) := sprintf("the Terragrunt remote_state configuration of %s (or a file it includes)", [object.get(r, "file", "")]) if r.via == "remote_state"

where(r) := sprintf("the %s block of provider %q%s at %s:%d%s", [
	r.via, object.get(r, "provider", ""), in_module(r),
	object.get(r, "file", ""), object.get(r, "line", 0), origin(r),
]) if r.via in provider_blocks

where(r) := sprintf("%v in %s", [object.get(r, "via", "a role"), object.get(r, "file", "")]) if {
	not r.via in ({"iam_role", "remote_state"} | provider_blocks)
}

in_module(r) := sprintf(" in %s", [r.module]) if object.get(r, "module", "") != ""

in_module(r) := "" if object.get(r, "module", "") == ""

origin(r) := sprintf(" (from module source %s at %q)", [r.module_source, r.module_version]) if r.remote == true

origin(r) := " (written by a Terragrunt generate block)" if {
	r.generated == true
	not r.remote
}

origin(r) := "" if {
	not r.remote
	not r.generated
}

hint := sprintf("Add it to credentials.profiles[%s].allowed_roles in the server configuration, or remove it.", [profile]) if profile != ""

hint := "Give the unit's environment a credential profile (credentials.profiles in the server configuration) whose allowed_roles list it, or remove it." if profile == ""

why := sprintf("which is not the plan or apply role of credential profile %q nor on its allowed_roles", [profile]) if profile != ""

why := "but the unit has no credential profile, so no role is allowed" if profile == ""

deny contains msg if {
	some r in input.config.assumed_roles
	not r.unknown
	not allowed(r.role_arn)
	msg := sprintf(
		"%s: %s assumes role %q, %s: code that assumes a role can do whatever that role can, before anyone has reviewed it. %s",
		[input.unit.path, where(r), r.role_arn, why, hint],
	)
}

deny contains msg if {
	some r in input.config.assumed_roles
	r.unknown == true
	msg := sprintf(
		"%s: %s assumes a role given by an expression csocbot cannot evaluate before the plan (a variable, local, function or dependency output), so it could be any role. Write the role's ARN literally, then %s",
		[input.unit.path, where(r), lower_first(hint)],
	)
}

# lower_first is s with its first letter in lower case.
lower_first(s) := concat("", [lower(substring(s, 0, 1)), substring(s, 1, -1)])
