# Rule: open_ingress
#
# No security group may accept traffic from the whole internet (0.0.0.0/0 or
# ::/0) except on the web ports 80 and 443 (the commons' load balancer). SSH
# to a jump box or database ports open to the world must go through the VPN /
# peering CIDR instead.
#
# Grounded in:
#   - Su-informatics-lab/gen3-gitops/terragrunt/jump/root.hcl
#     (a jump host in a public subnet, public_subnet_cidr = "10.128.1.0/24")
#   - Su-informatics-lab/gen3-gitops/terragrunt/commons/environments/ardac-portal-one/terragrunt.hcl
#     (peering_cidr = "10.128.0.0/20": admin access comes from the peered CSOC VPC)
#   - uc-cdis/gen3-terraform/tf_files/aws/commons/sample.tfvars (peering_cidr)
#
# Input: input.changes_by_type[<type>][_].{address,type,actions,after}:
# aws_security_group
# after.ingress[_].{from_port,to_port,protocol,cidr_blocks,ipv6_cidr_blocks};
# aws_security_group_rule after.{type,from_port,to_port,protocol,cidr_blocks,
# ipv6_cidr_blocks}; aws_vpc_security_group_ingress_rule
# after.{from_port,to_port,ip_protocol,cidr_ipv4,cidr_ipv6}.
package csocbot.open_ingress

open_cidrs := {"0.0.0.0/0", "::/0"}

web_ports := {80, 443}

# A rule is fine for the internet only if it is a single web port over TCP.
web_only(protocol, from, to) if {
	lower(sprintf("%v", [protocol])) in {"tcp", "6"}
	from == to
	from in web_ports
}

# Ingress rules of the plan that admit an open CIDR on more than a web
# port, one per CIDR, normalised to {address, from, to, protocol, cidr}.
# Each body reads only the changes of its resource type
# (input.changes_by_type) and tests the source first, so the common case,
# a rule from a private CIDR, costs a lookup or two; web_only is cached per
# (protocol, from, to) by OPA, so load balancer rules cost little more.
exposed contains {"address": c.address, "from": from, "to": to, "protocol": protocol, "cidr": cidr} if {
	some c in input.changes_by_type.aws_security_group
	some i in c.after.ingress
	some key in cidr_lists
	some cidr in i[key]
	open_cidrs[cidr]
	protocol := i.protocol
	from := i.from_port
	to := i.to_port
	not web_only(protocol, from, to)
	is_array(i[key])
	not "delete" in c.actions
}

exposed contains {"address": c.address, "from": from, "to": to, "protocol": protocol, "cidr": cidr} if {
	some c in input.changes_by_type.aws_security_group_rule
	c.after.type == "ingress"
	some key in cidr_lists
	some cidr in c.after[key]
	open_cidrs[cidr]
	protocol := c.after.protocol
	from := c.after.from_port
	to := c.after.to_port
	not web_only(protocol, from, to)
	is_array(c.after[key])
	not "delete" in c.actions
}

# A change whose after is not an object ("forget" leaves the rule in AWS
# but drops it from terraform; after is null) has nothing to judge.
exposed contains {"address": c.address, "from": from, "to": to, "protocol": protocol, "cidr": cidr} if {
	some c in input.changes_by_type.aws_vpc_security_group_ingress_rule
	not "delete" in c.actions
	is_object(c.after)
	from := object.get(c.after, "from_port", null)
	to := object.get(c.after, "to_port", null)
	some k in ["cidr_ipv4", "cidr_ipv6"]
	cidr := c.after[k]
	open_cidrs[cidr]
	protocol := c.after.ip_protocol
	not web_only(protocol, from, to)
}

# The source lists of aws_security_group ingress blocks and of
# aws_security_group_rule; a list that is null (or not a list) has no
# sources.
cidr_lists := ["cidr_blocks", "ipv6_cidr_blocks"]

# A list missing from after (terraform leaves out values known only after
# apply) has no sources yet; the other list is still judged.

port_text(r) := "all ports" if r.protocol in {"-1", "all", -1}

port_text(r) := sprintf("port %v", [r.from]) if {
	not r.protocol in {"-1", "all", -1}
	r.from == r.to
}

port_text(r) := sprintf("ports %v-%v", [r.from, r.to]) if {
	not r.protocol in {"-1", "all", -1}
	r.from != r.to
}

deny contains msg if {
	some r in exposed
	msg := sprintf(
		"%s: %s allows ingress from %s on %s (protocol %v); only TCP 80/443 may be open to the internet. Restrict the source to the VPN / peering CIDR or a security group.",
		[input.unit.path, r.address, r.cidr, port_text(r), r.protocol],
	)
}
