package csocbot.irsa_trust_test

import data.csocbot.irsa_trust

# The input as the engine gives it: input.changes and its index by resource
# type, input.changes_by_type (the same changes, in plan order), which the
# rule reads.
indexed(doc) := object.union(doc, {"changes_by_type": by_type(object.get(doc, "changes", []))})

by_type(changes) := {t: [c | some c in changes; c.type == t] | some c0 in changes; t := c0.type}

unit := {"environment": "prod", "path": "live/gen3-prod/us-east-1/prod/irsa"}

provider := "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABCDEF"

other_provider := "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/OTHER"

host := "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF"

stmt(fed, op, sub) := {
	"Effect": "Allow",
	"Principal": {"Federated": fed},
	"Action": "sts:AssumeRoleWithWebIdentity",
	"Condition": {op: {sprintf("%s:sub", [host]): sub, sprintf("%s:aud", [host]): "sts.amazonaws.com"}},
}

role(statements) := {
	"address": "aws_iam_role.role",
	"type": "aws_iam_role",
	"actions": ["create"],
	"before": null,
	"after": {"assume_role_policy": json.marshal({"Version": "2012-10-17", "Statement": statements})},
}

deny_for(statements) := msgs if {
	msgs := irsa_trust.deny with input as indexed({"unit": unit, "changes": [role(statements)]})
}

good := stmt(provider, "StringEquals", "system:serviceaccount:default:fence-sa")

test_single_service_account_allowed if {
	count(deny_for([good])) == 0
}

test_list_of_service_accounts_allowed if {
	count(deny_for([stmt([provider], "StringEquals", ["system:serviceaccount:default:fence-sa", "system:serviceaccount:default:hatchery-sa"])])) == 0
}

test_missing_sub_condition_denied if {
	s := object.remove(good, ["Condition"])
	msgs := deny_for([s])
	count(msgs) == 1
	some m in msgs
	contains(m, "without a StringEquals condition")
}

test_wildcard_subject_denied if {
	msgs := deny_for([stmt(provider, "StringLike", "system:serviceaccount:*:*")])
	count(msgs) == 2 # no StringEquals, and a wildcard subject
}

test_namespace_wide_subject_denied if {
	count(deny_for([stmt(provider, "StringEquals", "system:serviceaccount:default")])) == 1
}

test_two_providers_denied if {
	s2 := stmt(other_provider, "StringEquals", "system:serviceaccount:default:fence-sa")
	msgs := deny_for([good, s2])
	some m in msgs
	contains(m, "2 OIDC providers")
}

test_two_federated_in_one_statement_denied if {
	msgs := deny_for([stmt([provider, other_provider], "StringEquals", "system:serviceaccount:default:fence-sa")])
	some m in msgs
	contains(m, "2 federated principals")
}

test_condition_for_other_provider_denied if {
	s := stmt(other_provider, "StringEquals", "system:serviceaccount:default:fence-sa")
	msgs := deny_for([s])
	some m in msgs
	contains(m, "belongs to another provider")
}

ec2 := {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}

test_ec2_next_to_oidc_denied if {
	msgs := deny_for([good, ec2])
	count(msgs) == 1
	some m in msgs
	contains(m, "ec2.amazonaws.com")
}

test_ec2_next_to_oidc_allowlisted if {
	msgs := irsa_trust.deny with input as indexed({"unit": unit, "changes": [role([good, ec2])]})
		with data.csocbot_allow.irsa_ec2_principal_roles as ["aws_iam_role.role"]
	count(msgs) == 0
}

test_plain_ec2_role_allowed if {
	count(deny_for([ec2])) == 0
}

test_decoded_and_deleted if {
	r := object.union(role([stmt(provider, "StringLike", "*")]), {"actions": ["delete"]})
	count(irsa_trust.deny) == 0 with input as indexed({"unit": unit, "changes": [r]})
	r2 := {"address": "aws_iam_role.x", "type": "aws_iam_role", "actions": ["update"], "after": {"assume_role_policy": {"Statement": [ec2, good]}}}
	count(irsa_trust.deny) == 1 with input as indexed({"unit": unit, "changes": [r2]})
}

# Web identity trust of other OIDC providers is not IRSA (found with
# testdata/plans/irsa_trust_pass.plan.json: a GitHub Actions role was denied).
github := "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"

github_stmt(op, sub) := {
	"Effect": "Allow",
	"Principal": {"Federated": github},
	"Action": "sts:AssumeRoleWithWebIdentity",
	"Condition": {
		"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
		op: {"token.actions.githubusercontent.com:sub": sub},
	},
}

test_github_actions_role_not_irsa if {
	count(deny_for([github_stmt("StringLike", "repo:example-org/gen3-infra:pull_request")])) == 0
	count(deny_for([github_stmt("StringEquals", "repo:example-org/gen3-infra:ref:refs/heads/master")])) == 0
	count(deny_for([github_stmt("StringLike", "repo:example-org/gen3-infra:*"), ec2])) == 0
}

test_cognito_role_not_irsa if {
	s := {
		"Effect": "Allow",
		"Principal": {"Federated": "cognito-identity.amazonaws.com"},
		"Action": "sts:AssumeRoleWithWebIdentity",
		"Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"}},
	}
	count(deny_for([s])) == 0
}

test_github_next_to_eks_provider if {
	# the IRSA statement is still checked, the GitHub one is not
	count(deny_for([good, github_stmt("StringLike", "repo:example-org/gen3-infra:*")])) == 0
	msgs := deny_for([object.remove(good, ["Condition"]), github_stmt("StringLike", "repo:example-org/gen3-infra:*")])
	count(msgs) == 1
	some m in msgs
	contains(m, "without a StringEquals condition")

	# one statement trusting both is still a statement with two principals
	both := object.union(good, {"Principal": {"Federated": [provider, github]}})
	some m2 in deny_for([both])
	contains(m2, "2 federated principals")
}

# A trust policy is decoded only if its text has "Federated" or a backslash
# escape, which can spell it.
test_escaped_federated_judged if {
	escaped := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Feder\u0061ted": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABCDEF"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}`
	r := object.union(role([]), {"after": {"assume_role_policy": escaped}})
	msgs := irsa_trust.deny with input as indexed({"unit": unit, "changes": [r]})
	count(msgs) == 1
	some m in msgs
	contains(m, "without a StringEquals condition")
}

named(addr, statements) := object.union(role(statements), {"address": addr})

# Each role is judged on its own statements in a plan with several roles.
test_several_roles if {
	msgs := irsa_trust.deny with input as indexed({"unit": unit, "changes": [
		named("aws_iam_role.fence", [good]),
		named("aws_iam_role.hatchery", [object.remove(good, ["Condition"])]),
		named("aws_iam_role.node", [ec2]),
		named("aws_iam_role.mixed", [good, ec2]),
		named("aws_iam_role.two", [good, stmt(other_provider, "StringEquals", "system:serviceaccount:default:fence-sa")]),
	]})
	count(msgs) == 4
	some m1 in msgs
	contains(m1, "role aws_iam_role.hatchery lets any identity")
	some m2 in msgs
	contains(m2, "role aws_iam_role.mixed trusts both")
	some m3 in msgs
	contains(m3, "IRSA role aws_iam_role.two trusts 2 OIDC providers")
	some m4 in msgs
	contains(m4, "role aws_iam_role.two trusts provider arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/OTHER")
}
