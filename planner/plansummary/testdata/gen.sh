#!/bin/sh
# Regenerates the plan fixtures in this directory with the terraform binary on
# PATH. Runs fully offline: terraform_data and terraform_remote_state are
# built into terraform, and the CLI config is an empty file so no provider
# installation or registry lookup is attempted.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export TF_CLI_CONFIG_FILE="$work/empty.tfrc"
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
: >"$TF_CLI_CONFIG_FILE"

cd "$work"
tf() { terraform "$@" -no-color >/dev/null; }

cp "$here/src/mixed/v1/main.tf" main.tf
tf init -input=false
tf apply -auto-approve -input=false

# Plan against unchanged config: nothing to do.
tf plan -input=false -out=tfplan
terraform show -json tfplan >"$here/no_changes.json"

# Taint one resource, then plan the second version of the config.
tf taint terraform_data.tainted
cp "$here/src/mixed/v2/main.tf" main.tf
tf plan -input=false -out=tfplan
terraform show -json tfplan >"$here/mixed.json"
