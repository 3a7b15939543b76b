# Rule: data_store_protection
#
# Protects the data stores a Gen3 commons keeps its metadata, indexd/fence
# databases, user.yaml and ES indices in. In a prod unit the plan must not
# delete or replace a data store, must not turn off the last-resort snapshot
# or deletion protection, and must not allow force-destroying a bucket.
#
# Grounded in:
#   - Su-informatics-lab/gen3-gitops/terragrunt/commons/environments/ardac-portal-one/terragrunt.hcl
#     (the aurora inputs set `skip_final_snapshot = true`)
#   - uc-cdis/gen3-terraform/tf_files/aws/rds/sample.tfvars
#     (`rds_instance_skip_final_snapshot`, `rds_instance_deletion_protection = false`)
#   - uc-cdis/gen3-terraform/examples/gen3-deployment/main.tf
#     (`aws_s3_bucket "users_bucket"` with `force_destroy = true`)
#
# Input: input.unit.environment, input.changes_by_type[<data store type>][_].
#        {address,type,actions,after}, input.config.inputs
package csocbot.data_store_protection

data_store_types := {
	"aws_db_instance",
	"aws_rds_cluster",
	"aws_s3_bucket",
	"aws_dynamodb_table",
	"aws_elasticsearch_domain",
	"aws_opensearch_domain",
}

database_types := {"aws_db_instance", "aws_rds_cluster"}

is_prod if input.unit.environment == "prod"

# The checks below look only at the changes of the types they judge, through
# input.changes_by_type, so a large plan costs what its data stores cost.
# Each body tests the rare condition that can make it fire first and the
# action last, so a change that passes costs one lookup per body.

deny contains msg if {
	is_prod
	some t in data_store_types
	some c in input.changes_by_type[t]
	c.actions[_] == "delete"
	verb := replace_or_delete(c.actions)
	msg := sprintf(
		"%s: the plan would %s the prod data store %s (%s); data loss is not reversible. Keep the resource (revert the change, or add lifecycle { prevent_destroy = true }), or migrate the data and remove it in a reviewed, separate change.",
		[input.unit.path, verb, c.address, c.type],
	)
}

replace_or_delete(actions) := "replace" if "create" in actions

replace_or_delete(actions) := "delete" if not "create" in actions

deny contains msg if {
	is_prod
	some t in database_types
	some c in input.changes_by_type[t]
	c.after.skip_final_snapshot == true
	not "delete" in c.actions
	msg := sprintf(
		"%s: %s sets skip_final_snapshot = true in prod, so destroying it leaves no snapshot. Set skip_final_snapshot = false and a final_snapshot_identifier.",
		[input.unit.path, c.address],
	)
}

deny contains msg if {
	is_prod
	some t in data_store_types
	some c in input.changes_by_type[t]
	some key in ["deletion_protection", "deletion_protection_enabled"]
	c.after[key] == false
	not "delete" in c.actions
	msg := sprintf(
		"%s: %s sets %s = false in prod. Set %s = true so the data store cannot be deleted by accident.",
		[input.unit.path, c.address, key, key],
	)
}

deny contains msg if {
	is_prod
	some c in input.changes_by_type.aws_s3_bucket
	c.after.force_destroy == true
	not "delete" in c.actions
	msg := sprintf(
		"%s: %s sets force_destroy = true in prod, which lets terraform delete the bucket with all its objects. Remove force_destroy (or set it to false).",
		[input.unit.path, c.address],
	)
}

# Pre-plan check on the unit's inputs (the ardac-portal-one commons unit
# passes skip_final_snapshot = true; gen3-terraform's rds module takes
# rds_instance_skip_final_snapshot / rds_instance_deletion_protection).
deny contains msg if {
	is_prod
	some key, value in input.config.inputs
	endswith(key, "skip_final_snapshot")
	value == true
	msg := sprintf(
		"%s: input %s = true in prod means the database is destroyed without a final snapshot. Set it to false.",
		[input.unit.path, key],
	)
}

deny contains msg if {
	is_prod
	some key, value in input.config.inputs
	endswith(key, "deletion_protection")
	value == false
	msg := sprintf(
		"%s: input %s = false in prod leaves the database unprotected against deletion. Set it to true.",
		[input.unit.path, key],
	)
}

deny contains msg if {
	is_prod
	some key, value in input.config.inputs
	endswith(key, "force_destroy")
	value == true
	msg := sprintf(
		"%s: input %s = true in prod lets terraform delete non-empty buckets. Set it to false.",
		[input.unit.path, key],
	)
}
