package csocbot.open_ingress_test

import data.csocbot.open_ingress

# The input as the engine gives it: input.changes and its index by resource
# type, input.changes_by_type (the same changes, in plan order), which the
# rule reads.
indexed(doc) := object.union(doc, {"changes_by_type": by_type(object.get(doc, "changes", []))})

by_type(changes) := {t: [c | some c in changes; c.type == t] | some c0 in changes; t := c0.type}

unit := {"environment": "prod", "path": "terragrunt/jump/environments/ardac-portal"}

sg(ingress) := {"address": "aws_security_group.jump", "type": "aws_security_group", "actions": ["create"], "before": null, "after": {"ingress": ingress}}

ing(from, to, proto, v4, v6) := {"from_port": from, "to_port": to, "protocol": proto, "cidr_blocks": v4, "ipv6_cidr_blocks": v6}

deny_for(changes) := msgs if {
	msgs := open_ingress.deny with input as indexed({"unit": unit, "changes": changes})
}

test_ssh_from_world_denied if {
	msgs := deny_for([sg([ing(22, 22, "tcp", ["0.0.0.0/0"], [])])])
	count(msgs) == 1
	some m in msgs
	contains(m, "port 22")
}

test_ipv6_world_denied if {
	count(deny_for([sg([ing(5432, 5432, "tcp", [], ["::/0"])])])) == 1
}

test_all_traffic_denied if {
	msgs := deny_for([sg([ing(0, 0, "-1", ["0.0.0.0/0"], [])])])
	some m in msgs
	contains(m, "all ports")
}

test_port_range_covering_443_denied if {
	count(deny_for([sg([ing(0, 65535, "tcp", ["0.0.0.0/0"], [])])])) == 1
}

test_web_ports_allowed if {
	count(deny_for([sg([ing(443, 443, "tcp", ["0.0.0.0/0"], ["::/0"]), ing(80, 80, "tcp", ["0.0.0.0/0"], [])])])) == 0
}

test_peering_cidr_allowed if {
	count(deny_for([sg([ing(22, 22, "tcp", ["10.128.0.0/20"], [])])])) == 0
}

test_sg_rule if {
	r := {"address": "aws_security_group_rule.ssh", "type": "aws_security_group_rule", "actions": ["update"], "after": {"type": "ingress", "from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": null}}
	count(deny_for([r])) == 1
	egress := object.union(r, {"after": {"type": "egress"}})
	count(deny_for([egress])) == 0
	web := object.union(r, {"after": {"from_port": 443, "to_port": 443}})
	count(deny_for([web])) == 0
}

test_vpc_ingress_rule if {
	r := {"address": "aws_vpc_security_group_ingress_rule.all", "type": "aws_vpc_security_group_ingress_rule", "actions": ["create"], "after": {"ip_protocol": "-1", "cidr_ipv4": "0.0.0.0/0", "cidr_ipv6": null}}
	count(deny_for([r])) == 1
	web := {"address": "aws_vpc_security_group_ingress_rule.https", "type": "aws_vpc_security_group_ingress_rule", "actions": ["create"], "after": {"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv6": "::/0"}}
	count(deny_for([web])) == 0
}

test_delete_ignored if {
	c := object.union(sg([ing(22, 22, "tcp", ["0.0.0.0/0"], [])]), {"actions": ["delete"], "after": null})
	count(deny_for([c])) == 0
}

test_null_cidr_lists if {
	count(deny_for([sg([ing(22, 22, "tcp", null, ["::/0"])])])) == 1
	count(deny_for([sg([{"from_port": 22, "to_port": 22, "protocol": "tcp"}])])) == 0
}

# Web ports stay allowed next to a port that is not, in one group or in
# separate rules.
test_mixed_rules if {
	msgs := deny_for([sg([
		ing(443, 443, "tcp", ["0.0.0.0/0"], ["::/0"]),
		ing(22, 22, "tcp", ["10.128.0.0/20", "0.0.0.0/0"], []),
	])])
	count(msgs) == 1
	some m in msgs
	contains(m, "aws_security_group.jump allows ingress from 0.0.0.0/0 on port 22")
	both := {"address": "aws_vpc_security_group_ingress_rule.ssh", "type": "aws_vpc_security_group_ingress_rule", "actions": ["update"], "after": {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_ipv4": "0.0.0.0/0", "cidr_ipv6": "::/0"}}
	count(deny_for([both])) == 2
}

# terraform leaves a list known only after apply out of after; the other
# list is still judged.
test_list_unknown_until_apply if {
	count(deny_for([sg([{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}])])) == 1
}

# A "forget" leaves the rule in AWS and drops it from terraform: after is
# null and there is nothing to judge (and no evaluation error).
test_forgotten_vpc_rule if {
	forget := {"address": "aws_vpc_security_group_ingress_rule.ssh", "type": "aws_vpc_security_group_ingress_rule", "actions": ["forget"], "before": {"cidr_ipv4": "0.0.0.0/0", "from_port": 22, "to_port": 22, "ip_protocol": "tcp"}, "after": null}
	count(deny_for([forget])) == 0
}
