# Rule: iam_wildcard_policy
#
# No IAM policy may allow every action on every resource (Action "*" with
# Resource "*"): that is account administrator, and a leaked pod or node
# credential with it owns the commons. Policy resources and the
# inline_policy blocks of aws_iam_role are checked. Resources that really
# need it are listed by address in data.csocbot_allow.iam_star_resources.
#
# Grounded in:
#   - uc-cdis/gen3-terraform/tf_files/aws/modules/iam-policy/variables.tf
#     (variable "policy_json": "Basically the actual policy in JSON", passed
#     straight into the policy resource)
#   - uc-cdis/gen3-terraform/tf_files/aws/irsa_role/README.md
#     ("a single role with a single policy")
#
# Input: input.changes_by_type[<policy type>][_].{address,type,actions,
# after.policy} where policy is the JSON string terraform plans (an
# already-decoded object is accepted too), and
# input.changes_by_type.aws_iam_role[_].after.inline_policy[_].{name,policy};
# data.csocbot_allow.iam_star_resources (list of resource addresses).
package csocbot.iam_wildcard_policy

policy_types := {"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"}

as_list(x) := x if is_array(x)

as_list(x) := [x] if not is_array(x)

# The decoded policy document, for a JSON string that may grant Resource "*"
# (see may_grant_star) or an already-decoded object.
document(p) := json.unmarshal(p) if {
	is_string(p)
	may_grant_star(p)
	json.is_valid(p)
}

document(p) := p if is_object(p)

# A document can only allow Resource "*" if its JSON text holds the string
# "*": literally `"*"`, unless the text uses escapes (`\u002a` could spell
# the star). Most documents have neither and are never decoded, which is
# most of this rule's cost on a large plan.
may_grant_star(p) if contains(p, `"*"`)

may_grant_star(p) if contains(p, `\`)

statements(doc) := as_list(doc.Statement)

star_action(a) if a in {"*", "*:*"}

allowlisted(addr) if addr in data.csocbot_allow.iam_star_resources

# Policy documents the plan creates or updates that either check below can
# fire on: {address, name, policy}, where name says which document of the
# resource it is. A policy terraform only knows after apply is absent from
# after and is not checked.
policy_docs contains {"address": c.address, "name": c.address, "policy": p} if {
	some t in policy_types
	some c in input.changes_by_type[t]
	p := c.after.policy
	worth_checking(p)
	not "delete" in c.actions
}

# aws_iam_role inline_policy blocks carry full policy documents too.
policy_docs contains {"address": c.address, "name": name, "policy": p.policy} if {
	some c in input.changes_by_type.aws_iam_role
	some p in c.after.inline_policy
	worth_checking(p.policy)
	not "delete" in c.actions
	name := sprintf("the inline policy %q of %s", [p.name, c.address])
}

# A document may grant "*" (see may_grant_star), is not valid JSON, or is
# already decoded; any other is fine, and skipped without building an entry.
worth_checking(p) if {
	is_string(p)
	may_grant_star(p)
}

worth_checking(p) if {
	is_string(p)
	not json.is_valid(p)
}

worth_checking(p) if is_object(p)

deny contains msg if {
	some d in policy_docs
	doc := document(d.policy)
	some s in statements(doc)
	s.Effect == "Allow"
	"*" in as_list(s.Resource)
	some a in as_list(s.Action)
	star_action(a)
	not allowlisted(d.address)
	msg := sprintf(
		"%s: %s allows Action %q on Resource \"*\", i.e. full administrator access. List only the actions and resource ARNs the workload needs, or, if this is intended, add %q to data.csocbot_allow.iam_star_resources.",
		[input.unit.path, d.name, a, d.address],
	)
}

warn contains msg if {
	some d in policy_docs
	is_string(d.policy)
	not json.is_valid(d.policy)
	msg := sprintf(
		"%s: the policy document of %s is not valid JSON, so it could not be checked for wildcard grants. Fix the policy document.",
		[input.unit.path, d.name],
	)
}
