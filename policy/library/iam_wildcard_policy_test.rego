package csocbot.iam_wildcard_policy_test

import data.csocbot.iam_wildcard_policy

unit := {"environment": "prod", "path": "live/gen3-prod/us-east-1/prod/commons"}

change(type, policy) := {"address": sprintf("%s.fence_bot", [type]), "type": type, "actions": ["create"], "before": null, "after": {"policy": policy}}

admin := json.marshal({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})

admin_list := json.marshal({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": ["s3:GetObject", "*:*"], "Resource": ["arn:aws:s3:::b/*", "*"]}})

scoped := json.marshal({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::gen3-user-yaml/*"}]})

star_resource_only := json.marshal({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}]})

deny_star := json.marshal({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})

test_admin_policy_denied if {
	msgs := iam_wildcard_policy.deny with input as {"unit": unit, "changes": [change("aws_iam_policy", admin)]}
	count(msgs) == 1
	some m in msgs
	contains(m, "aws_iam_policy.fence_bot")
}

test_admin_role_policy_list_form_denied if {
	count(iam_wildcard_policy.deny) == 1 with input as {"unit": unit, "changes": [change("aws_iam_role_policy", admin_list)]}
}

test_decoded_object_denied if {
	count(iam_wildcard_policy.deny) == 1 with input as {"unit": unit, "changes": [change("aws_iam_policy", json.unmarshal(admin))]}
}

test_scoped_allowed if {
	count(iam_wildcard_policy.deny) == 0 with input as {"unit": unit, "changes": [
		change("aws_iam_policy", scoped),
		change("aws_iam_role_policy", star_resource_only),
		change("aws_iam_policy", deny_star),
	]}
}

test_allowlisted if {
	count(iam_wildcard_policy.deny) == 0 with input as {"unit": unit, "changes": [change("aws_iam_policy", admin)]}
		with data.csocbot_allow.iam_star_resources as ["aws_iam_policy.fence_bot"]
}

test_delete_ignored if {
	c := object.union(change("aws_iam_policy", admin), {"actions": ["delete"]})
	count(iam_wildcard_policy.deny) == 0 with input as {"unit": unit, "changes": [c]}
}

test_invalid_json_warns if {
	count(iam_wildcard_policy.deny) == 0 with input as {"unit": unit, "changes": [change("aws_iam_policy", "{not json")]}
	count(iam_wildcard_policy.warn) == 1 with input as {"unit": unit, "changes": [change("aws_iam_policy", "{not json")]}
}

# aws_iam_role inline_policy blocks, as a real plan has them (found with
# testdata/plans/iam_wildcard_policy_fail.plan.json: they were not checked).
role_with_inline(policies) := {
	"address": "aws_iam_role.github_actions_deploy",
	"type": "aws_iam_role",
	"actions": ["update"],
	"after": {"name": "gen3-infra-github-actions-deploy", "inline_policy": policies},
}

test_inline_admin_policy_denied if {
	msgs := iam_wildcard_policy.deny with input as {"unit": unit, "changes": [role_with_inline([
		{"name": "read", "policy": scoped},
		{"name": "deploy", "policy": admin},
	])]}
	count(msgs) == 1
	some m in msgs
	contains(m, "the inline policy \"deploy\" of aws_iam_role.github_actions_deploy allows Action \"*\"")
}

test_inline_scoped_allowed if {
	count(iam_wildcard_policy.deny) == 0 with input as {"unit": unit, "changes": [role_with_inline([
		{"name": "read", "policy": scoped},
		{"name": "describe", "policy": star_resource_only},
	])]}
}

test_inline_allowlisted_by_role_address if {
	count(iam_wildcard_policy.deny) == 0 with input as {"unit": unit, "changes": [role_with_inline([{"name": "deploy", "policy": admin}])]}
		with data.csocbot_allow.iam_star_resources as ["aws_iam_role.github_actions_deploy"]
}

test_inline_unknown_deleted_and_invalid if {
	# inline_policy known only after apply: absent from after
	unknown := object.union(role_with_inline([]), {"after": {"name": "x"}})
	count(iam_wildcard_policy.deny) == 0 with input as {"unit": unit, "changes": [unknown]}
	deleted := object.union(role_with_inline([{"name": "deploy", "policy": admin}]), {"actions": ["delete"]})
	count(iam_wildcard_policy.deny) == 0 with input as {"unit": unit, "changes": [deleted]}
	warns := iam_wildcard_policy.warn with input as {"unit": unit, "changes": [role_with_inline([{"name": "deploy", "policy": "{not json"}])]}
	count(warns) == 1
	some w in warns
	contains(w, "the inline policy \"deploy\" of aws_iam_role.github_actions_deploy is not valid JSON")
}
