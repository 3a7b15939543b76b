package csocbot.open_ingress_test

import data.csocbot.open_ingress

unit := {"environment": "prod", "path": "terragrunt/jump/environments/ardac-portal"}

sg(ingress) := {"address": "aws_security_group.jump", "type": "aws_security_group", "actions": ["create"], "before": null, "after": {"ingress": ingress}}

ing(from, to, proto, v4, v6) := {"from_port": from, "to_port": to, "protocol": proto, "cidr_blocks": v4, "ipv6_cidr_blocks": v6}

deny_for(changes) := msgs if {
	msgs := open_ingress.deny with input as {"unit": unit, "changes": changes}
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
