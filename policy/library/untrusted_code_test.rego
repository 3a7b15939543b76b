package csocbot.untrusted_code_test

import data.csocbot.untrusted_code

unit := {"environment": "staging", "path": "live/gen3-staging/us-east-1/staging/commons"}

clean := {
	"data_sources": [{"type": "aws_caller_identity", "name": "current"}],
	"resources": [
		{"type": "aws_s3_bucket", "name": "users_bucket"},
		{"type": "aws_instance", "name": "jump"},
	],
	"provisioners": [{"resource": "aws_instance.jump", "type": "file"}],
	"uses_run_cmd": false,
}

bad := {
	"data_sources": [{"type": "external", "name": "token"}],
	"resources": [
		{"type": "null_resource", "name": "kubectl"},
		{"type": "aws_instance", "name": "jump"},
	],
	"provisioners": [
		{"resource": "null_resource.kubectl", "type": "local-exec"},
		{"resource": "aws_instance.jump", "type": "file"},
		{"resource": "aws_instance.jump", "type": "remote-exec"},
	],
	"uses_run_cmd": true,
}

test_clean_config_allowed if {
	count(untrusted_code.deny) == 0 with input as {"unit": unit, "config": clean}
	count(untrusted_code.deny) == 0 with input as {"unit": unit, "config": {}}
}

test_untrusted_code_denied if {
	msgs := untrusted_code.deny with input as {"unit": unit, "config": bad}
	count(msgs) == 4
	some m1 in msgs
	contains(m1, "data \"external\" \"token\"")
	some m2 in msgs
	contains(m2, "null_resource.kubectl has a local-exec")
	some m3 in msgs
	contains(m3, "remote-exec")
	some m4 in msgs
	contains(m4, "run_cmd()")
}

test_allowlisted_unit if {
	count(untrusted_code.deny) == 0 with input as {"unit": unit, "config": bad}
		with data.csocbot_allow.untrusted_code_units as [unit.path]
}

test_other_unit_allowlisted_still_denied if {
	count(untrusted_code.deny) == 4 with input as {"unit": unit, "config": bad}
		with data.csocbot_allow.untrusted_code_units as ["live/other"]
}

changed(paths) := [{"path": p, "status": "modified"} | some p in paths]

located := {
	"data_sources": [{"type": "external", "name": "token", "address": "data.external.token", "file": "modules/kube/token.tf"}],
	"provisioners": [{"resource": "null_resource.kubectl", "type": "local-exec", "file": "live/app/hooks.tf"}],
	"uses_run_cmd": false,
}

test_only_changed_files_are_judged if {
	count(untrusted_code.deny) == 0 with input as {"unit": unit, "config": located, "pr": {"changed_files": changed(["live/app/terragrunt.hcl"])}}
	msgs := untrusted_code.deny with input as {"unit": unit, "config": located, "pr": {"changed_files": changed(["modules/kube/token.tf"])}}
	count(msgs) == 1
	some m in msgs
	contains(m, "data \"external\" \"token\"")
}

test_removed_file_is_not_judged if {
	files := [{"path": "live/app/hooks.tf", "status": "removed"}]
	count(untrusted_code.deny) == 0 with input as {"unit": unit, "config": located, "pr": {"changed_files": files}}
}

test_unknown_changed_files_judge_everything if {
	count(untrusted_code.deny) == 2 with input as {"unit": unit, "config": located, "pr": {"changed_files": []}}
	count(untrusted_code.deny) == 2 with input as {"unit": unit, "config": located}
}

test_allowlisted_module if {
	pr := {"changed_files": changed(["modules/kube/token.tf", "live/app/hooks.tf"])}
	msgs := untrusted_code.deny with input as {"unit": unit, "config": located, "pr": pr}
		with data.csocbot_allow.untrusted_code_modules as ["modules/kube/"]
	count(msgs) == 1
	some m in msgs
	contains(m, "local-exec")
}

test_run_cmd_judged_even_when_its_file_is_unchanged if {
	cfg := {"uses_run_cmd": true}
	count(untrusted_code.deny) == 1 with input as {"unit": unit, "config": cfg, "pr": {"changed_files": changed(["live/app/terragrunt.hcl"])}}
}

evil_source := "git::https://git.example.com/evil/modules.git"

# remote_cfg is a unit whose git module (fetched before the gate) runs
# programs and needs a provider from an unknown namespace.
remote_cfg := {
	"modules": [
		{"address": "", "source": "", "version": "", "kind": "local", "remote": false, "fetched": true, "package": "", "dir": "live/app"},
		{"address": "module.x", "source": concat("", [evil_source, "//evil?ref=v1"]), "version": "v1", "kind": "git", "remote": true, "fetched": true, "package": evil_source, "dir": "evil"},
	],
	"data_sources": [{"type": "external", "name": "token", "address": "module.x.data.external.token", "file": "evil/main.tf", "remote": true, "module_source": evil_source, "module_version": "v1"}],
	"provisioners": [{"resource": "module.x.null_resource.run", "type": "local-exec", "file": "evil/main.tf", "remote": true, "module_source": evil_source, "module_version": "v1"}],
	"required_providers": [
		{"name": "aws", "source": "hashicorp/aws", "version_constraint": ">= 5.0", "module": ""},
		{"name": "evil", "source": "evil-corp/evil", "version_constraint": "", "module": "module.x"},
	],
	"uses_run_cmd": false,
}

test_remote_code_judged_whatever_the_changed_files if {
	msgs := untrusted_code.deny with input as {"unit": unit, "config": remote_cfg, "pr": {"changed_files": changed(["live/app/terragrunt.hcl"])}}
	count(msgs) == 3
	some m1 in msgs
	contains(m1, "data \"external\" \"token\" (from module source git::https://git.example.com/evil/modules.git at \"v1\")")
	some m2 in msgs
	contains(m2, "module.x.null_resource.run (from module source")
	some m3 in msgs
	contains(m3, "module.x requires provider \"evil\" from \"evil-corp/evil\"")
}

test_allowlisted_source_and_version if {
	allow := [{"source": evil_source, "versions": ["v1"]}]
	count(untrusted_code.deny) == 0 with input as {"unit": unit, "config": remote_cfg}
		with data.csocbot_allow.untrusted_code_sources as allow
}

test_other_version_of_allowlisted_source_denied if {
	allow := [{"source": evil_source, "versions": ["v0.9"]}]
	count(untrusted_code.deny) == 3 with input as {"unit": unit, "config": remote_cfg}
		with data.csocbot_allow.untrusted_code_sources as allow
}

test_repository_module_folders_do_not_allow_remote_code if {
	count(untrusted_code.deny) == 3 with input as {"unit": unit, "config": remote_cfg}
		with data.csocbot_allow.untrusted_code_modules as ["evil"]
}

test_unit_allowlist_covers_remote_code if {
	count(untrusted_code.deny) == 0 with input as {"unit": unit, "config": remote_cfg}
		with data.csocbot_allow.untrusted_code_units as [unit.path]
}

test_unread_remote_module_denied_unless_allowlisted if {
	registry := {"address": "module.eks", "source": "terraform-aws-modules/eks/aws", "version": "20.8.4", "kind": "registry", "remote": true, "fetched": false, "package": "terraform-aws-modules/eks/aws", "dir": ""}
	cfg := {"modules": [registry]}
	msgs := untrusted_code.deny with input as {"unit": unit, "config": cfg}
	count(msgs) == 1
	some m in msgs
	contains(m, "module.eks comes from registry source \"terraform-aws-modules/eks/aws\", whose code csocbot did not read")
	allow := [{"source": "terraform-aws-modules/eks/aws", "versions": ["20.8.4"]}]
	count(untrusted_code.deny) == 0 with input as {"unit": unit, "config": cfg}
		with data.csocbot_allow.untrusted_code_sources as allow
}

provider(name, source) := {"name": name, "source": source, "version_constraint": "", "module": ""}

test_default_providers_allowed if {
	cfg := {"required_providers": [
		provider("aws", "hashicorp/aws"),
		provider("k8s", "registry.terraform.io/hashicorp/kubernetes"),
		provider("helm", "registry.opentofu.org/HashiCorp/helm"),
		provider("random", ""),
	]}
	count(untrusted_code.deny) == 0 with input as {"unit": unit, "config": cfg}
}

test_unknown_providers_denied if {
	cfg := {"required_providers": [provider("external", ""), provider("kubectl", "gavinbunney/kubectl")]}
	msgs := untrusted_code.deny with input as {"unit": unit, "config": cfg}
	count(msgs) == 2
	some m1 in msgs
	contains(m1, "the root module requires provider \"external\" from \"hashicorp/external\"")
	some m2 in msgs
	contains(m2, "data.csocbot_allow.provider_sources")
}

test_allowlisted_provider_source if {
	cfg := {"required_providers": [provider("kubectl", "registry.terraform.io/gavinbunney/kubectl")]}
	count(untrusted_code.deny) == 0 with input as {"unit": unit, "config": cfg}
		with data.csocbot_allow.provider_sources as ["gavinbunney/kubectl"]
}

test_generated_code_judged_whatever_the_changed_files if {
	cfg := {"provisioners": [{"resource": "terraform_data.hook", "type": "local-exec", "file": "live/app/hooks.tf", "generated": true}]}
	msgs := untrusted_code.deny with input as {"unit": unit, "config": cfg, "pr": {"changed_files": changed(["root.hcl"])}}
	count(msgs) == 1
	count(untrusted_code.deny) == 0 with input as {"unit": unit, "config": cfg, "pr": {"changed_files": changed(["root.hcl"])}}
		with data.csocbot_allow.untrusted_code_units as [unit.path]
}
