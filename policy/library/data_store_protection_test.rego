package csocbot.data_store_protection_test

import data.csocbot.data_store_protection

# The input as the engine gives it: input.changes and its index by resource
# type, input.changes_by_type (the same changes, in plan order), which the
# rule reads.
indexed(doc) := object.union(doc, {"changes_by_type": by_type(object.get(doc, "changes", []))})

by_type(changes) := {t: [c | some c in changes; c.type == t] | some c0 in changes; t := c0.type}

prod_unit := {"environment": "prod", "path": "live/gen3-prod/us-east-1/prod/commons"}

staging_unit := {"environment": "staging", "path": "live/gen3-staging/us-east-1/staging/commons"}

test_prod_rds_delete_denied if {
	msgs := data_store_protection.deny with input as indexed({
		"unit": prod_unit,
		"changes": [{"address": "aws_rds_cluster.postgresql", "type": "aws_rds_cluster", "actions": ["delete"], "before": {}, "after": null}],
	})
	count(msgs) == 1
	some m in msgs
	contains(m, "delete the prod data store aws_rds_cluster.postgresql")
}

test_prod_bucket_replace_denied if {
	msgs := data_store_protection.deny with input as indexed({
		"unit": prod_unit,
		"changes": [{"address": "aws_s3_bucket.data", "type": "aws_s3_bucket", "actions": ["delete", "create"], "before": {}, "after": {"force_destroy": false}}],
	})
	some m in msgs
	contains(m, "replace")
}

test_prod_opensearch_and_dynamodb_delete_denied if {
	msgs := data_store_protection.deny with input as indexed({
		"unit": prod_unit,
		"changes": [
			{"address": "aws_opensearch_domain.es", "type": "aws_opensearch_domain", "actions": ["delete"], "after": null},
			{"address": "aws_elasticsearch_domain.es", "type": "aws_elasticsearch_domain", "actions": ["delete"], "after": null},
			{"address": "aws_dynamodb_table.locks", "type": "aws_dynamodb_table", "actions": ["create", "delete"], "after": {}},
		],
	})
	count(msgs) == 3
}

test_staging_delete_allowed if {
	msgs := data_store_protection.deny with input as indexed({
		"unit": staging_unit,
		"changes": [{"address": "aws_rds_cluster.postgresql", "type": "aws_rds_cluster", "actions": ["delete"], "after": null}],
	})
	count(msgs) == 0
}

test_prod_update_ok if {
	msgs := data_store_protection.deny with input as indexed({
		"unit": prod_unit,
		"changes": [
			{"address": "aws_rds_cluster.postgresql", "type": "aws_rds_cluster", "actions": ["update"], "after": {"skip_final_snapshot": false, "deletion_protection": true}},
			{"address": "aws_s3_bucket.users_bucket", "type": "aws_s3_bucket", "actions": ["create"], "after": {"force_destroy": false}},
			{"address": "aws_instance.x", "type": "aws_instance", "actions": ["delete"], "after": null},
		],
		"config": {"inputs": {"skip_final_snapshot": false, "rds_instance_deletion_protection": true}},
	})
	count(msgs) == 0
}

test_prod_skip_final_snapshot_denied if {
	msgs := data_store_protection.deny with input as indexed({
		"unit": prod_unit,
		"changes": [{"address": "aws_rds_cluster.postgresql", "type": "aws_rds_cluster", "actions": ["update"], "after": {"skip_final_snapshot": true, "deletion_protection": false}}],
	})
	count(msgs) == 2
}

test_prod_force_destroy_bucket_denied if {
	msgs := data_store_protection.deny with input as indexed({
		"unit": prod_unit,
		"changes": [{"address": "aws_s3_bucket.users_bucket[0]", "type": "aws_s3_bucket", "actions": ["create"], "after": {"force_destroy": true}}],
	})
	some m in msgs
	contains(m, "force_destroy = true")
}

# Mirrors ardac-portal-one's inputs (skip_final_snapshot = true) and
# gen3-terraform rds/sample.tfvars (rds_instance_deletion_protection = false).
test_prod_inputs_denied if {
	msgs := data_store_protection.deny with input as indexed({
		"unit": prod_unit,
		"config": {"inputs": {"skip_final_snapshot": true, "rds_instance_deletion_protection": false, "force_destroy": true}},
	})
	count(msgs) == 3
}

test_staging_inputs_allowed if {
	msgs := data_store_protection.deny with input as indexed({
		"unit": staging_unit,
		"config": {"inputs": {"skip_final_snapshot": true}},
	})
	count(msgs) == 0
}

test_prod_dynamodb_deletion_protection_enabled_denied if {
	msgs := data_store_protection.deny with input as indexed({
		"unit": prod_unit,
		"changes": [{"address": "aws_dynamodb_table.locks", "type": "aws_dynamodb_table", "actions": ["update"], "after": {"deletion_protection_enabled": false}}],
	})
	count(msgs) == 1
	some m in msgs
	contains(m, "sets deletion_protection_enabled = false in prod")
}

# Only data stores are judged, whatever other resources set.
test_prod_other_types_ignored if {
	msgs := data_store_protection.deny with input as indexed({
		"unit": prod_unit,
		"changes": [
			{"address": "aws_instance.x", "type": "aws_instance", "actions": ["update"], "after": {"deletion_protection": false, "force_destroy": true, "skip_final_snapshot": true}},
			{"address": "aws_kms_key.x", "type": "aws_kms_key", "actions": ["delete"], "after": null},
		],
	})
	count(msgs) == 0
}
