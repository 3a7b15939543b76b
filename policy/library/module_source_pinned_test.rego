package csocbot.module_source_pinned_test

import data.csocbot.module_source_pinned

prod(src) := {"unit": {"environment": "prod", "path": "terragrunt/commons/environments/prod"}, "config": {"source": src}}

staging(src) := {"unit": {"environment": "staging", "path": "terragrunt/commons/environments/staging"}, "config": {"source": src}}

# Su-informatics-lab/gen3-gitops/terragrunt/commons/root.hcl
su_source := "git::https://github.com/alan-walsh/gen3-terraform.git//tf_files/aws/commons?ref=develop"

# indiana-university/gen3-kro/units/vpc/terragrunt.hcl, unevaluated and evaluated with the default
kro_raw := "git::git@github.com:indiana-university/gen3-kro.git//modules/vpc?ref=${local.version}"

kro_main := "git::git@github.com:indiana-university/gen3-kro.git//modules/vpc?ref=main"

test_develop_branch_denied if {
	msgs := module_source_pinned.deny with input as prod(su_source)
	count(msgs) == 1
	some m in msgs
	contains(m, "pins the branch \"develop\"")
}

test_kro_main_denied if {
	count(module_source_pinned.deny) == 1 with input as prod(kro_main)
}

test_kro_computed_ref_denied if {
	msgs := module_source_pinned.deny with input as prod(kro_raw)
	count(msgs) == 1
	some m in msgs
	contains(m, "computed")
}

test_no_ref_denied if {
	msgs := module_source_pinned.deny with input as prod("git::https://github.com/uc-cdis/gen3-terraform.git//tf_files/aws/commons")
	some m in msgs
	contains(m, "no ?ref=")
}

test_other_ref_denied if {
	count(module_source_pinned.deny) == 1 with input as prod("git::https://github.com/uc-cdis/gen3-terraform.git//tf_files/aws/eks?ref=feature-x")
}

test_short_sha_denied if {
	count(module_source_pinned.deny) == 1 with input as prod("git::https://github.com/uc-cdis/gen3-terraform.git//tf_files/aws/eks?ref=971f83c")
}

test_tag_allowed if {
	count(module_source_pinned.deny) == 0 with input as prod("git::https://github.com/uc-cdis/gen3-terraform.git//tf_files/aws/commons?ref=v1.2.3")
	count(module_source_pinned.deny) == 0 with input as prod("git::https://github.com/uc-cdis/gen3-terraform.git//tf_files/aws/commons?ref=1.0.0")
}

test_sha_allowed if {
	count(module_source_pinned.deny) == 0 with input as prod("git::https://github.com/uc-cdis/gen3-terraform.git//tf_files/aws/commons?ref=971f83cb5f6bb36af9a612362a00783bf4af392f")
}

test_ref_with_other_params_allowed if {
	count(module_source_pinned.deny) == 0 with input as prod("git::https://github.com/x/y.git//m?depth=1&ref=v2.0.0")
}

# Su-informatics-lab/gen3-gitops/terragrunt/jump/root.hcl
test_local_source_allowed if {
	count(module_source_pinned.deny) == 0 with input as prod("../../../../terraform/jump")
	count(module_source_pinned.deny) == 0 with input as prod("./modules/x")
}

test_registry_sources if {
	count(module_source_pinned.deny) == 0 with input as prod("tfr:///terraform-aws-modules/vpc/aws?version=5.1.2")
	count(module_source_pinned.deny) == 1 with input as prod("tfr:///terraform-aws-modules/vpc/aws?version=~>5.0")
	count(module_source_pinned.deny) == 1 with input as prod("tfr:///terraform-aws-modules/vpc/aws")
}

test_no_source_allowed if {
	count(module_source_pinned.deny) == 0 with input as {"unit": {"environment": "prod", "path": "x"}, "config": {}}
}

test_staging_warns_only if {
	count(module_source_pinned.deny) == 0 with input as staging(su_source)
	count(module_source_pinned.warn) == 1 with input as staging(su_source)
	count(module_source_pinned.warn) == 0 with input as staging("git::https://github.com/x/y.git//m?ref=v1.0.0")
}

# The engine always sends config.source (found with testdata/plans: a
# plain root and a unit without terraform.source were denied in prod).
test_empty_source_allowed if {
	count(module_source_pinned.deny) == 0 with input as prod("")
	count(module_source_pinned.warn) == 0 with input as staging("")
}

test_plain_root_allowed if {
	root := {"unit": {"environment": "prod", "path": "terraform/gen3-deployment", "kind": "terraform"}, "config": {"source": "terraform/gen3-deployment"}}
	count(module_source_pinned.deny) == 0 with input as root

	# a remote source is judged whatever the kind of unit
	remote := object.union(root, {"config": {"source": su_source}})
	count(module_source_pinned.deny) == 1 with input as remote
}
