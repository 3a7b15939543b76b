package csocbot.iam_wildcard_policy_test

import data.csocbot.iam_wildcard_policy

# The input as the engine gives it: input.changes and its index by resource
# type, input.changes_by_type (the same changes, in plan order), which the
# rule reads.
indexed(doc) := object.union(doc, {"changes_by_type": by_type(object.get(doc, "changes", []))})

by_type(changes) := {t: [c | some c in changes; c.type == t] | some c0 in changes; t := c0.type}

unit := {"environment": "prod", "path": "live/gen3-prod/us-east-1/prod/commons"}

change(type, policy) := {"address": sprintf("%s.fence_bot", [type]), "type": type, "actions": ["create"], "before": null, "after": {"policy": policy}}

admin := json.marshal({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})

admin_list := json.marshal({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": ["s3:GetObject", "*:*"], "Resource": ["arn:aws:s3:::b/*", "*"]}})

scoped := json.marshal({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::gen3-user-yaml/*"}]})

star_resource_only := json.marshal({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}]})

deny_star := json.marshal({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})

test_admin_policy_denied if {
	msgs := iam_wildcard_policy.deny with input as indexed({"unit": unit, "changes": [change("aws_iam_policy", admin)]})
	count(msgs) == 1
	some m in msgs
	contains(m, "aws_iam_policy.fence_bot")
}

test_admin_role_policy_list_form_denied if {
	count(iam_wildcard_policy.deny) == 1 with input as indexed({"unit": unit, "changes": [change("aws_iam_role_policy", admin_list)]})
}

test_decoded_object_denied if {
	count(iam_wildcard_policy.deny) == 1 with input as indexed({"unit": unit, "changes": [change("aws_iam_policy", json.unmarshal(admin))]})
}

test_scoped_allowed if {
	count(iam_wildcard_policy.deny) == 0 with input as indexed({"unit": unit, "changes": [
		change("aws_iam_policy", scoped),
		change("aws_iam_role_policy", star_resource_only),
		change("aws_iam_policy", deny_star),
	]})
}

test_allowlisted if {
	count(iam_wildcard_policy.deny) == 0 with input as indexed({"unit": unit, "changes": [change("aws_iam_policy", admin)]})
		with data.csocbot_allow.iam_star_resources as ["aws_iam_policy.fence_bot"]
}

test_delete_ignored if {
	c := object.union(change("aws_iam_policy", admin), {"actions": ["delete"]})
	count(iam_wildcard_policy.deny) == 0 with input as indexed({"unit": unit, "changes": [c]})
}

test_invalid_json_warns if {
	count(iam_wildcard_policy.deny) == 0 with input as indexed({"unit": unit, "changes": [change("aws_iam_policy", "{not json")]})
	count(iam_wildcard_policy.warn) == 1 with input as indexed({"unit": unit, "changes": [change("aws_iam_policy", "{not json")]})
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
	msgs := iam_wildcard_policy.deny with input as indexed({"unit": unit, "changes": [role_with_inline([
		{"name": "read", "policy": scoped},
		{"name": "deploy", "policy": admin},
	])]})
	count(msgs) == 1
	some m in msgs
	contains(m, "the inline policy \"deploy\" of aws_iam_role.github_actions_deploy allows Action \"*\"")
}

test_inline_scoped_allowed if {
	count(iam_wildcard_policy.deny) == 0 with input as indexed({"unit": unit, "changes": [role_with_inline([
		{"name": "read", "policy": scoped},
		{"name": "describe", "policy": star_resource_only},
	])]})
}

test_inline_allowlisted_by_role_address if {
	count(iam_wildcard_policy.deny) == 0 with input as indexed({"unit": unit, "changes": [role_with_inline([{"name": "deploy", "policy": admin}])]})
		with data.csocbot_allow.iam_star_resources as ["aws_iam_role.github_actions_deploy"]
}

test_inline_unknown_deleted_and_invalid if {
	# inline_policy known only after apply: absent from after
	unknown := object.union(role_with_inline([]), {"after": {"name": "x"}})
	count(iam_wildcard_policy.deny) == 0 with input as indexed({"unit": unit, "changes": [unknown]})
	deleted := object.union(role_with_inline([{"name": "deploy", "policy": admin}]), {"actions": ["delete"]})
	count(iam_wildcard_policy.deny) == 0 with input as indexed({"unit": unit, "changes": [deleted]})
	warns := iam_wildcard_policy.warn with input as indexed({"unit": unit, "changes": [role_with_inline([{"name": "deploy", "policy": "{not json"}])]})
	count(warns) == 1
	some w in warns
	contains(w, "the inline policy \"deploy\" of aws_iam_role.github_actions_deploy is not valid JSON")
}

# Only documents whose text has the string "*" or a backslash escape are
# decoded; the star may be escaped, and the text laid out as a heredoc.
test_escaped_star_denied if {
	escaped := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "\u002a", "Resource": "\u002A"}]}`
	msgs := iam_wildcard_policy.deny with input as indexed({"unit": unit, "changes": [change("aws_iam_policy", escaped)]})
	count(msgs) == 1
	some m in msgs
	contains(m, `allows Action "*" on Resource "*"`)
}

test_heredoc_layout_denied if {
	heredoc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": [\"*:*\"],\n      \"Resource\" : \"*\"\n    }\n  ]\n}\n"
	count(iam_wildcard_policy.deny) == 1 with input as indexed({"unit": unit, "changes": [change("aws_iam_group_policy", heredoc)]})
}

test_escapes_without_star_allowed if {
	escaped := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/\u003cx\u003e", "Condition": {"StringLike": {"s3:prefix": "home/*"}}}]}`
	count(iam_wildcard_policy.deny) == 0 with input as indexed({"unit": unit, "changes": [change("aws_iam_user_policy", escaped)]})
	count(iam_wildcard_policy.warn) == 0 with input as indexed({"unit": unit, "changes": [change("aws_iam_user_policy", escaped)]})
}

# Other resource types are not policies, whatever their attributes.
test_other_types_ignored if {
	count(iam_wildcard_policy.deny) == 0 with input as indexed({"unit": unit, "changes": [change("aws_s3_bucket_policy", admin), change("aws_iam_policy_attachment", admin)]})
}
