package csocbot.assumed_roles_test

import data.csocbot.assumed_roles

unit(credentials) := {
	"path": "live/gen3-prod/us-east-1/prod/eks",
	"environment": "prod",
	"credentials": credentials,
}

prod := {
	"profile": "gen3-prod",
	"kind": "aws_assume_role",
	"plan_role_arn": "arn:aws:iam::123456789012:role/csocbot-plan",
	"apply_role_arn": "arn:aws:iam::123456789012:role/csocbot-apply",
	"allowed_roles": ["arn:aws:iam::123456789012:role/gen3-prod-*", "arn:aws:iam::*:role/ops/csocbot-read"],
}

no_profile := {"profile": "", "kind": "", "plan_role_arn": "", "apply_role_arn": "", "allowed_roles": []}

provider(arn) := {
	"role_arn": arn, "unknown": false, "via": "assume_role", "provider": "aws",
	"module": "", "file": "live/gen3-prod/us-east-1/prod/eks/provider.tf", "line": 3,
}

terragrunt(via, arn) := {
	"role_arn": arn, "unknown": false, "via": via, "provider": "", "module": "",
	"file": "live/gen3-prod/us-east-1/prod/eks/terragrunt.hcl", "line": 0,
}

unknown_role := {
	"role_arn": "", "unknown": true, "via": "assume_role_with_web_identity", "provider": "aws.data",
	"module": "module.irsa", "file": "modules/irsa/providers.tf", "line": 12,
}

deny(credentials, roles) := msgs if {
	msgs := assumed_roles.deny with input as {"unit": unit(credentials), "config": {"assumed_roles": roles}}
}

test_no_roles_allowed if {
	count(deny(prod, [])) == 0
	count(deny(no_profile, [])) == 0
	count(assumed_roles.deny) == 0 with input as {"unit": {"path": "x"}, "config": {}}
}

test_plan_and_apply_roles_allowed if {
	count(deny(prod, [
		provider("arn:aws:iam::123456789012:role/csocbot-plan"),
		terragrunt("iam_role", "arn:aws:iam::123456789012:role/csocbot-apply"),
	])) == 0
}

test_allowed_roles_globs if {
	count(deny(prod, [
		provider("arn:aws:iam::123456789012:role/gen3-prod-eks-admin"),
		provider("arn:aws:iam::210987654321:role/ops/csocbot-read"),
		terragrunt("remote_state", "arn:aws:iam::123456789012:role/gen3-prod-state"),
	])) == 0
}

test_disallowed_provider_role if {
	msgs := deny(prod, [
		provider("arn:aws:iam::123456789012:role/OrganizationAccountAccessRole"),
		provider("arn:aws:iam::999999999999:role/gen3-prod-eks-admin"),
		provider("arn:aws:iam::123456789012:role/other/csocbot-read"),
	])
	count(msgs) == 3
	some m in msgs
	contains(m, `live/gen3-prod/us-east-1/prod/eks: the assume_role block of provider "aws" at live/gen3-prod/us-east-1/prod/eks/provider.tf:3 assumes role "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole", which is not the plan or apply role of credential profile "gen3-prod" nor on its allowed_roles`)
	contains(m, "Add it to credentials.profiles[gen3-prod].allowed_roles in the server configuration, or remove it.")
}

test_unknown_role_denied if {
	msgs := deny(prod, [unknown_role])
	count(msgs) == 1
	some m in msgs
	contains(m, `the assume_role_with_web_identity block of provider "aws.data" in module.irsa at modules/irsa/providers.tf:12 assumes a role given by an expression`)
	contains(m, "could be any role")
	contains(m, "then add it to credentials.profiles[gen3-prod].allowed_roles in the server configuration, or remove it.")
}

# An allowed_roles pattern matching every role does not let an expression
# through: csocbot cannot tell what it is.
test_unknown_role_denied_even_with_every_role_allowed if {
	everything := object.union(prod, {"allowed_roles": ["arn:*:iam::*:role/*"]})
	count(deny(everything, [unknown_role])) == 1
	count(deny(everything, [provider("arn:aws:iam::1:role/x")])) == 0
}

test_terragrunt_iam_role if {
	msgs := deny(prod, [terragrunt("iam_role", "arn:aws:iam::123456789012:role/admin")])
	count(msgs) == 1
	some m in msgs
	contains(m, `the Terragrunt iam_role of live/gen3-prod/us-east-1/prod/eks/terragrunt.hcl (or a file it includes) assumes role "arn:aws:iam::123456789012:role/admin"`)
}

test_terragrunt_remote_state_role if {
	unknown := object.union(terragrunt("remote_state", ""), {"unknown": true})
	msgs := deny(prod, [terragrunt("remote_state", "arn:aws:iam::123456789012:role/state-admin"), unknown])
	count(msgs) == 2
	some m1 in msgs
	contains(m1, `the Terragrunt remote_state configuration of live/gen3-prod/us-east-1/prod/eks/terragrunt.hcl (or a file it includes) assumes role "arn:aws:iam::123456789012:role/state-admin"`)
	some m2 in msgs
	contains(m2, "remote_state configuration of live/gen3-prod/us-east-1/prod/eks/terragrunt.hcl (or a file it includes) assumes a role given by an expression")
}

test_no_profile_allows_no_role if {
	roles := [provider("arn:aws:iam::123456789012:role/csocbot-plan"), unknown_role]
	msgs := deny(no_profile, roles)
	count(msgs) == 2
	some m1 in msgs
	contains(m1, `assumes role "arn:aws:iam::123456789012:role/csocbot-plan", but the unit has no credential profile, so no role is allowed`)
	contains(m1, "Give the unit's environment a credential profile (credentials.profiles in the server configuration) whose allowed_roles list it, or remove it.")
	some m2 in msgs
	contains(m2, "then give the unit's environment a credential profile")

	# An input without unit.credentials, as from `csocbot policy eval --input`.
	count(assumed_roles.deny) == 2 with input as {"unit": {"path": "x"}, "config": {"assumed_roles": roles}}
}

test_remote_and_generated_code_named if {
	remote := object.union(provider("arn:aws:iam::123456789012:role/x"), {
		"module": "module.eks", "file": "tf_files/aws/eks/provider.tf",
		"remote": true, "module_source": "git::https://github.com/uc-cdis/gen3-terraform.git", "module_version": "v1.2.3",
	})
	generated := object.union(provider("arn:aws:iam::123456789012:role/y"), {"generated": true})
	msgs := deny(prod, [remote, generated])
	count(msgs) == 2
	some m1 in msgs
	contains(m1, `provider "aws" in module.eks at tf_files/aws/eks/provider.tf:3 (from module source git::https://github.com/uc-cdis/gen3-terraform.git at "v1.2.3") assumes role`)
	some m2 in msgs
	contains(m2, `provider.tf:3 (written by a Terragrunt generate block) assumes role "arn:aws:iam::123456789012:role/y"`)
}
