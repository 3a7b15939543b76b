# Rule: irsa_trust
#
# An IRSA role (one that trusts an EKS OIDC provider) must be assumable only by
# one Kubernetes service account: every sts:AssumeRoleWithWebIdentity
# statement names exactly one OIDC provider, and carries a StringEquals
# condition on "<provider>:sub" whose values are all
# "system:serviceaccount:<namespace>:<service account>" (no wildcards). The
# whole trust policy uses one OIDC provider. EC2 instances
# (ec2.amazonaws.com) must not be trusted next to the OIDC provider, unless
# the role's address is in data.csocbot_allow.irsa_ec2_principal_roles.
# Only EKS OIDC providers (oidc.eks.<region>.amazonaws.com/id/<ID>) make a
# role an IRSA role: web identity trust of other providers (GitHub Actions'
# token.actions.githubusercontent.com, Cognito, ...) has other subjects and
# is not judged here.
#
# Grounded in:
#   - uc-cdis/gen3-terraform/tf_files/aws/irsa_role/variables.tf
#     (eks_cluster_oidc_arn, kubernetes_namespace, kubernetes_service_account:
#     "The name of the service account that will assume this role")
#   - uc-cdis/gen3-terraform/examples/gen3-deployment/main.tf
#     (oidc_provider_arn = module.commons.eks_oidc_arn, kubernetes_namespace = "default")
#
# Input: input.changes[_].{address,type,actions,after.assume_role_policy}
# (JSON string or decoded object); data.csocbot_allow.irsa_ec2_principal_roles.
package csocbot.irsa_trust

web_identity := "sts:AssumeRoleWithWebIdentity"

sa_subject := `^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$`

as_list(x) := x if is_array(x)

as_list(x) := [x] if not is_array(x)

document(p) := json.unmarshal(p) if {
	is_string(p)
	json.is_valid(p)
}

document(p) := p if is_object(p)

# Trust documents of roles created or updated by the plan, by address.
trust[addr] := doc if {
	some c in input.changes
	c.type == "aws_iam_role"
	not "delete" in c.actions
	addr := c.address
	doc := document(c.after.assume_role_policy)
}

allow_statements(doc) := [s | some s in as_list(doc.Statement); s.Effect == "Allow"]

federated(s) := {p | some p in as_list(s.Principal.Federated)}

# "arn:aws:iam::123:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
eks_provider(arn) if contains(arn, ":oidc-provider/oidc.eks.")

trusts_eks(s) if {
	some p in federated(s)
	eks_provider(p)
}

oidc_providers(doc) := {p |
	some s in allow_statements(doc)
	some p in federated(s)
	eks_provider(p)
}

is_irsa(doc) if count(oidc_providers(doc)) > 0

# "arn:aws:iam::123:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
#   -> "oidc.eks.us-east-1.amazonaws.com/id/ABC"
provider_host(arn) := substring(arn, indexof(arn, ":oidc-provider/") + 15, -1)

web_identity_statements(doc) := [s |
	some s in allow_statements(doc)
	web_identity in as_list(s.Action)
	trusts_eks(s)
]

deny contains msg if {
	some addr, doc in trust
	providers := oidc_providers(doc)
	count(providers) > 1
	msg := sprintf(
		"%s: IRSA role %s trusts %d OIDC providers (%s); trust exactly one cluster's OIDC provider.",
		[input.unit.path, addr, count(providers), concat(", ", sort(providers))],
	)
}

deny contains msg if {
	some addr, doc in trust
	some s in web_identity_statements(doc)
	count(federated(s)) != 1
	msg := sprintf(
		"%s: a %s statement of role %s has %d federated principals; name exactly one EKS OIDC provider ARN.",
		[input.unit.path, web_identity, addr, count(federated(s))],
	)
}

# The :sub conditions of a statement: [operator, key, [values]].
sub_conditions(s) := [[op, key, as_list(v)] |
	some op, block in s.Condition
	some key, v in block
	endswith(key, ":sub")
]

deny contains msg if {
	some addr, doc in trust
	some s in web_identity_statements(doc)
	count([c | some c in sub_conditions(s); c[0] == "StringEquals"]) == 0
	msg := sprintf(
		"%s: role %s lets any identity from the OIDC provider assume it (%s without a StringEquals condition on \"<provider>:sub\"). Add \"StringEquals\": {\"<provider>:sub\": \"system:serviceaccount:<namespace>:<service account>\"}.",
		[input.unit.path, addr, web_identity],
	)
}

deny contains msg if {
	some addr, doc in trust
	some s in web_identity_statements(doc)
	some c in sub_conditions(s)
	some v in c[2]
	not valid_subject(c[0], v)
	msg := sprintf(
		"%s: role %s trusts the subject %q (%s); restrict it to exactly system:serviceaccount:<namespace>:<service account>, with StringEquals and no wildcards.",
		[input.unit.path, addr, v, c[0]],
	)
}

valid_subject(op, v) if {
	op == "StringEquals"
	is_string(v)
	regex.match(sa_subject, v)
}

deny contains msg if {
	some addr, doc in trust
	some s in web_identity_statements(doc)
	some arn in federated(s)
	eks_provider(arn)
	some c in sub_conditions(s)
	host := provider_host(arn)
	c[1] != concat("", [host, ":sub"])
	msg := sprintf(
		"%s: role %s trusts provider %s but its condition key %q belongs to another provider; use %q.",
		[input.unit.path, addr, arn, c[1], concat("", [host, ":sub"])],
	)
}

ec2_trusted(doc) if {
	some s in allow_statements(doc)
	"ec2.amazonaws.com" in as_list(s.Principal.Service)
}

allowlisted_ec2(addr) if addr in data.csocbot_allow.irsa_ec2_principal_roles

deny contains msg if {
	some addr, doc in trust
	is_irsa(doc)
	ec2_trusted(doc)
	not allowlisted_ec2(addr)
	msg := sprintf(
		"%s: role %s trusts both an EKS OIDC provider and ec2.amazonaws.com, so every node can take the service account's permissions. Use separate roles, or add %q to data.csocbot_allow.irsa_ec2_principal_roles.",
		[input.unit.path, addr, addr],
	)
}
