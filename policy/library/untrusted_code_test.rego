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
