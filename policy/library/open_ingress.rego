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
# Input: input.changes[_].{address,type,actions,after}: aws_security_group
# after.ingress[_].{from_port,to_port,protocol,cidr_blocks,ipv6_cidr_blocks};
# aws_security_group_rule after.{type,from_port,to_port,protocol,cidr_blocks,
# ipv6_cidr_blocks}; aws_vpc_security_group_ingress_rule
# after.{from_port,to_port,ip_protocol,cidr_ipv4,cidr_ipv6}.
package csocbot.open_ingress

open_cidrs := {"0.0.0.0/0", "::/0"}

web_ports := {80, 443}

live(c) if not "delete" in c.actions

# A rule is fine for the internet only if it is a single web port over TCP.
web_only(protocol, from, to) if {
	lower(sprintf("%v", [protocol])) in {"tcp", "6"}
	from == to
	from in web_ports
}

# Ingress rules of the plan, normalised to
# {address, from, to, protocol, cidrs}.
rules contains r if {
	some c in input.changes
	c.type == "aws_security_group"
	live(c)
	some i in c.after.ingress
	r := {
		"address": c.address,
		"from": i.from_port,
		"to": i.to_port,
		"protocol": i.protocol,
		"cidrs": {x | some x in array.concat(nonnull_list(i, "cidr_blocks"), nonnull_list(i, "ipv6_cidr_blocks"))},
	}
}

rules contains r if {
	some c in input.changes
	c.type == "aws_security_group_rule"
	live(c)
	c.after.type == "ingress"
	r := {
		"address": c.address,
		"from": c.after.from_port,
		"to": c.after.to_port,
		"protocol": c.after.protocol,
		"cidrs": {x | some x in array.concat(nonnull_list(c.after, "cidr_blocks"), nonnull_list(c.after, "ipv6_cidr_blocks"))},
	}
}

rules contains r if {
	some c in input.changes
	c.type == "aws_vpc_security_group_ingress_rule"
	live(c)
	r := {
		"address": c.address,
		"from": object.get(c.after, "from_port", null),
		"to": object.get(c.after, "to_port", null),
		"protocol": c.after.ip_protocol,
		"cidrs": {x | some k in ["cidr_ipv4", "cidr_ipv6"]; x := c.after[k]; is_string(x)},
	}
}

nonnull_list(obj, key) := obj[key] if is_array(obj[key])

nonnull_list(obj, key) := [] if not is_array(obj[key])

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
	some r in rules
	some cidr in r.cidrs
	cidr in open_cidrs
	not web_only(r.protocol, r.from, r.to)
	msg := sprintf(
		"%s: %s allows ingress from %s on %s (protocol %v); only TCP 80/443 may be open to the internet. Restrict the source to the VPN / peering CIDR or a security group.",
		[input.unit.path, r.address, cidr, port_text(r), r.protocol],
	)
}
