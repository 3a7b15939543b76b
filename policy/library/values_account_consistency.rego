# Rule: values_account_consistency
#
# An application's IAM roles for service accounts (IRSA) must be in the
# AWS account the application runs in: the account of `global.aws.account`
# in its values and the `accountNumber` of its cluster's
# cluster-values/cluster-values.yaml (input.values.environment.account).
# A role in another account means a copy-paste from another commons (the
# pods then fail to assume it, or worse, reach the other commons' data
# through a cross-account trust). Roles are the values of
# `eks.amazonaws.com/role-arn` annotations and `roleArn` keys (the
# external-secrets role, global.aws.secretStoreServiceAccount.roleArn)
# anywhere in input.values.after.
#
# Which roles are judged: those the pull request adds or changes (compared
# with input.values.before at the same place), and every role when it
# changes global.aws.account, since that moves the application to another
# account. Roles already deployed do not block unrelated pull requests.
# A changed global.aws.account that differs from the cluster's
# accountNumber is denied too. Deliberate cross-account roles are
# allowlisted by ARN in data.csocbot_allow.values_cross_account_roles (`*`
# matches any characters).
#
# Grounded in:
#   - uc-cdis/gen3-gitops/midrcprod/data.midrc.org/values/values.yaml
#     global.aws.account: '813684607867', roles
#     arn:aws:iam::813684607867:role/midrcprod--midrcprod-helm--audit-sqs-receiver,
#     .../gen3_service/midrcprod--default--ssj-job
#   - uc-cdis/gen3-gitops/midrcprod/cluster-values/cluster-values.yaml
#     accountNumber: "813684607867"
#   - Su-informatics-lab/gen3-gitops/ardac1prd/portal.ardac.org/values.yaml
#     account "742378880825", fence-sa and ssjdispatcher-job-sa roles
#
# Input: input.values.application, input.values.environment,
# input.values.before, input.values.after,
# data.csocbot_allow.values_cross_account_roles
package csocbot.values_account_consistency

app := input.values.application

after := input.values.after

before := input.values.before

# account_text is an account id read as YAML gives it: a quoted string, or
# an unquoted number (which loses leading zeros).
account_text(a) := a if is_string(a)

account_text(a) := sprintf("%012d", [a]) if is_number(a)

global_account(values) := account_text(object.get(values, ["global", "aws", "account"], ""))

account_changed if global_account(after) != global_account(before)

# expected are the accounts the application runs in, by where they come from.
expected contains sprintf("global.aws.account is %s", [a]) if {
	a := global_account(after)
	a != ""
}

expected_accounts contains a if {
	a := global_account(after)
	a != ""
}

expected contains sprintf("cluster %s's accountNumber is %s", [input.values.environment.cluster, a]) if {
	a := input.values.environment.account
	a != ""
}

expected_accounts contains a if {
	a := input.values.environment.account
	a != ""
}

# roles are [path, arn] of every role the rule judges. Walking every value
# in Rego is slow (data.midrc.org has thousands, mostly ETL mappings), so
# only the top-level entries whose JSON text names a role key are walked,
# and in them only maps are looked into.
roles contains [array.concat([top], array.concat(p, [k])), arn] if {
	some top, sub in after
	mentions_role(sub)
	walk(sub, [p, m])
	is_object(m)
	some k in role_keys
	arn := m[k]
	is_string(arn)
	judged(array.concat([top], array.concat(p, [k])), arn)
}

roles contains [[k], arn] if {
	some k in role_keys
	arn := after[k]
	is_string(arn)
	judged([k], arn)
}

mentions_role(x) if {
	is_object(x)
	regex.match(`"(eks\.amazonaws\.com/role-arn|roleArn)":`, json.marshal(x))
}

mentions_role(x) if {
	is_array(x)
	regex.match(`"(eks\.amazonaws\.com/role-arn|roleArn)":`, json.marshal(x))
}

role_keys := ["eks.amazonaws.com/role-arn", "roleArn"]

judged(_, _) if account_changed

judged(p, v) if object.get({"v": before}, array.concat(["v"], p), null) != v

render(p) := trim_prefix(concat("", [segment(k) | some k in p]), ".")

segment(k) := sprintf("[%d]", [k]) if is_number(k)

segment(k) := sprintf(".%s", [k]) if {
	is_string(k)
	regex.match(`^[A-Za-z0-9_-]+$`, k)
}

segment(k) := sprintf("[%q]", [k]) if {
	is_string(k)
	not regex.match(`^[A-Za-z0-9_-]+$`, k)
}

role_account(arn) := m[1] if {
	m := regex.find_all_string_submatch_n(`^arn:aws[a-z-]*:iam::([0-9]{12}):role/.`, arn, 1)[0]
}

allowlisted(arn) if {
	some pattern in data.csocbot_allow.values_cross_account_roles
	glob.match(pattern, [], arn)
}

deny contains msg if {
	some [p, arn] in roles
	acct := role_account(arn)
	others := {a | some a in expected_accounts; a != acct}
	count(others) > 0
	not allowlisted(arn)
	msg := sprintf(
		"application %s (%s): %s is the role %s in account %s, but %s. A role in another account is usually a copy from another commons: the pods cannot assume it, or reach that commons through a cross-account trust. Use the role of account %s, or, if the cross-account role is intended, add its ARN to data.csocbot_allow.values_cross_account_roles.",
		[app.name, app.file, render(p), arn, acct, concat(" and ", sort(expected)), concat(" / ", sort(others))],
	)
}

warn contains msg if {
	some [p, arn] in roles
	arn != ""
	not role_account(arn)
	msg := sprintf(
		"application %s (%s): %s is %q, which is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>), so its account cannot be checked; the pods would fail to assume it.",
		[app.name, app.file, render(p), arn],
	)
}

deny contains msg if {
	account_changed
	a := global_account(after)
	a != ""
	c := input.values.environment.account
	c != ""
	a != c
	msg := sprintf(
		"application %s (%s): global.aws.account is set to %s, but it runs in cluster %s, whose cluster-values accountNumber is %s. Set global.aws.account to %s (or move the application to a cluster of account %s).",
		[app.name, app.file, a, input.values.environment.cluster, c, c, a],
	)
}
