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
# Input: input.changes_by_type.aws_iam_role[_].{address,type,actions,
# after.assume_role_policy} (JSON string or decoded object);
# data.csocbot_allow.irsa_ec2_principal_roles.
package csocbot.irsa_trust

web_identity := "sts:AssumeRoleWithWebIdentity"

sa_subject := `^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$`

# Federated principals with this in their ARN are EKS OIDC providers:
# "arn:aws:iam::123:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
eks_provider_marker := ":oidc-provider/oidc.eks."

as_list(x) := x if is_array(x)

as_list(x) := [x] if not is_array(x)

# The decoded trust document, for a JSON string that may name a federated
# principal (see may_federate) or an already-decoded object.
document(p) := json.unmarshal(p) if {
	is_string(p)
	may_federate(p)
	json.is_valid(p)
}

document(p) := p if is_object(p)

# Every check below needs a Federated principal, so the JSON text of a
# trust policy it can fire on holds "Federated", unless the text uses
# escapes (`\u0046ederated`). The trust policies of service roles (EC2,
# EKS nodes, Lambda: most roles of a large plan) have neither and are never
# decoded.
may_federate(p) if contains(p, "Federated")

may_federate(p) if contains(p, `\`)

# What the checks need of each role is worked out once, in the rules
# below, rather than by functions each check calls again. They are object
# comprehensions, not partial rules (trust[addr] := doc): OPA builds a
# partial object in time quadratic in its size.
#
# Trust documents of roles created or updated by the plan, by address.
trust := {c.address: doc |
	some c in input.changes_by_type.aws_iam_role
	doc := document(c.after.assume_role_policy)
	not "delete" in c.actions
}

# The Allow statements of each trust document, by role address, each as
# {statement, federated: its federated principals, eks: the EKS OIDC
# providers among them}.
allowed := {addr: statements |
	some addr, doc in trust
	statements := [{"statement": s, "federated": principals, "eks": eks} |
		some s in as_list(doc.Statement)
		s.Effect == "Allow"
		principals := {p | some p in as_list(s.Principal.Federated)}
		eks := {p | some p in principals; contains(p, eks_provider_marker)}
	]
}

# The EKS OIDC providers each role trusts (empty if none), by role address.
oidc_providers := {addr: {p | some s in statements; some p in s.eks} |
	some addr, statements in allowed
}

# The sts:AssumeRoleWithWebIdentity statements that trust an EKS provider,
# each as {role, federated, subs: its :sub conditions}.
web_identity_statements contains {"role": addr, "federated": s.federated, "subs": sub_conditions(s.statement)} if {
	some addr, statements in allowed
	some s in statements
	count(s.eks) > 0
	web_identity in as_list(s.statement.Action)
}

# The :sub conditions of a statement: [operator, key, [values]].
sub_conditions(s) := [[op, key, as_list(v)] |
	some op, block in s.Condition
	some key, v in block
	endswith(key, ":sub")
]

# "arn:aws:iam::123:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
#   -> "oidc.eks.us-east-1.amazonaws.com/id/ABC"
provider_host(arn) := substring(arn, indexof(arn, ":oidc-provider/") + 15, -1)

deny contains msg if {
	some addr, providers in oidc_providers
	count(providers) > 1
	msg := sprintf(
		"%s: IRSA role %s trusts %d OIDC providers (%s); trust exactly one cluster's OIDC provider.",
		[input.unit.path, addr, count(providers), concat(", ", sort(providers))],
	)
}

deny contains msg if {
	some s in web_identity_statements
	count(s.federated) != 1
	msg := sprintf(
		"%s: a %s statement of role %s has %d federated principals; name exactly one EKS OIDC provider ARN.",
		[input.unit.path, web_identity, s.role, count(s.federated)],
	)
}

deny contains msg if {
	some s in web_identity_statements
	count([c | some c in s.subs; c[0] == "StringEquals"]) == 0
	msg := sprintf(
		"%s: role %s lets any identity from the OIDC provider assume it (%s without a StringEquals condition on \"<provider>:sub\"). Add \"StringEquals\": {\"<provider>:sub\": \"system:serviceaccount:<namespace>:<service account>\"}.",
		[input.unit.path, s.role, web_identity],
	)
}

deny contains msg if {
	some s in web_identity_statements
	some c in s.subs
	some v in c[2]
	not valid_subject(c[0], v)
	msg := sprintf(
		"%s: role %s trusts the subject %q (%s); restrict it to exactly system:serviceaccount:<namespace>:<service account>, with StringEquals and no wildcards.",
		[input.unit.path, s.role, v, c[0]],
	)
}

valid_subject(op, v) if {
	op == "StringEquals"
	is_string(v)
	regex.match(sa_subject, v)
}

deny contains msg if {
	some s in web_identity_statements
	some arn in s.federated
	contains(arn, eks_provider_marker)
	some c in s.subs
	host := provider_host(arn)
	c[1] != concat("", [host, ":sub"])
	msg := sprintf(
		"%s: role %s trusts provider %s but its condition key %q belongs to another provider; use %q.",
		[input.unit.path, s.role, arn, c[1], concat("", [host, ":sub"])],
	)
}

ec2_trusted(addr) if {
	some s in allowed[addr]
	"ec2.amazonaws.com" in as_list(s.statement.Principal.Service)
}

allowlisted_ec2(addr) if addr in data.csocbot_allow.irsa_ec2_principal_roles

deny contains msg if {
	some addr, providers in oidc_providers
	count(providers) > 0
	ec2_trusted(addr)
	not allowlisted_ec2(addr)
	msg := sprintf(
		"%s: role %s trusts both an EKS OIDC provider and ec2.amazonaws.com, so every node can take the service account's permissions. Use separate roles, or add %q to data.csocbot_allow.irsa_ec2_principal_roles.",
		[input.unit.path, addr, addr],
	)
}
