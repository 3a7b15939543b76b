# csocbot server image: `docker build -t csocbot .`
#
# Stages: build compiles csocbot and csocbot-sandbox; terragrunt builds
# terragrunt from its pinned source; tools downloads and verifies terraform;
# the final image holds only those binaries, git, ssh, CA certificates and a
# non-root user.
#
# Every version is pinned below. Bump one by editing its ARG (and, for
# terragrunt, its commit) in a reviewed pull request; --build-arg works
# for a one-off build. Pin the base images by digest too (FROM
# golang:1.26.8-bookworm@sha256:...) where your registry policy asks for it.
ARG GO_VERSION=1.26.8
ARG DEBIAN_VERSION=bookworm-slim

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
# Modules are checked against go.sum and the Go checksum database.
RUN go mod download && go mod verify
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/csocbot ./cmd/csocbot-sandbox

# terragrunt is built from its source, at the commit its release tag names,
# pinned here: git fetches the tag and the build stops unless the tag points
# at exactly this commit, and go checks every dependency against
# terragrunt's go.sum and the Go checksum database. Gruntwork's release
# binaries are checked only by a SHA256SUMS from the same page, so the
# source build is the one with nothing unverified in it. Bump the version
# and the commit together, reading the commit off the release page.
FROM golang:${GO_VERSION}-bookworm AS terragrunt
ARG TERRAGRUNT_VERSION=0.63.6
ARG TERRAGRUNT_COMMIT=98b60321ea5d65acb2ae28b492ca71a17171227d
WORKDIR /src
RUN set -eu; \
    git init -q .; \
    git fetch -q --depth 1 https://github.com/gruntwork-io/terragrunt "refs/tags/v${TERRAGRUNT_VERSION}:refs/tags/v${TERRAGRUNT_VERSION}"; \
    commit="$(git rev-parse "v${TERRAGRUNT_VERSION}^{commit}")"; \
    [ "${commit}" = "${TERRAGRUNT_COMMIT}" ] \
      || { echo "terragrunt v${TERRAGRUNT_VERSION} is commit ${commit}, not the pinned ${TERRAGRUNT_COMMIT}" >&2; exit 1; }; \
    git checkout -q "${commit}"; \
    go mod download && go mod verify; \
    CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X github.com/gruntwork-io/go-commons/version.Version=v${TERRAGRUNT_VERSION}" \
      -o /out/terragrunt .

FROM debian:${DEBIAN_VERSION} AS tools
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl gnupg unzip \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /dl
# terraform: HashiCorp signs each release's SHA256SUMS. The key is fetched
# from hashicorp.com, but trust rests only on the fingerprint pinned here
# (written out, not an ARG, so no build argument can swap it):
# gpgv must report a valid signature (VALIDSIG) whose primary key is exactly
# this one, and the zip must match its line in the signed SHA256SUMS. A
# tampered zip, SUMS file or key fails the build.
ARG TERRAFORM_VERSION=1.11.4
RUN set -eu; \
    arch="$(dpkg --print-architecture)"; \
    base="https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}"; \
    curl -fsSLo hashicorp.asc https://www.hashicorp.com/.well-known/pgp-key.txt; \
    curl -fsSLo SHA256SUMS "${base}/terraform_${TERRAFORM_VERSION}_SHA256SUMS"; \
    curl -fsSLo SHA256SUMS.sig "${base}/terraform_${TERRAFORM_VERSION}_SHA256SUMS.sig"; \
    zip="terraform_${TERRAFORM_VERSION}_linux_${arch}.zip"; \
    curl -fsSLo "${zip}" "${base}/${zip}"; \
    gpg --batch --dearmor <hashicorp.asc >hashicorp.gpg; \
    gpgv --status-fd 1 --keyring ./hashicorp.gpg SHA256SUMS.sig SHA256SUMS >gpgv.status; \
    grep -q "^\[GNUPG:\] VALIDSIG .* C874011F0AB405110D02105534365D9472D7468F\$" gpgv.status \
      || { echo "SHA256SUMS is not signed by HashiCorp's release key" >&2; exit 1; }; \
    grep " ${zip}\$" SHA256SUMS | sha256sum -c -; \
    unzip -q "${zip}" terraform; \
    install -m 0755 terraform /usr/local/bin/terraform; \
    rm -rf /dl/*
FROM debian:${DEBIAN_VERSION}
# git and openssh-client fetch repositories and module sources; a fixed
# numeric UID lets Kubernetes' runAsNonRoot check the user.
RUN apt-get update \
 && apt-get install -y --no-install-recommends bash ca-certificates git openssh-client \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 csocbot \
 && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /var/lib/csocbot csocbot
COPY --from=build /out/csocbot /out/csocbot-sandbox /usr/local/bin/
COPY --from=tools /usr/local/bin/terraform /usr/local/bin/
COPY --from=terragrunt /out/terragrunt /usr/local/bin/
# The bundled Gen3 policy library, for a policies: entry with
# path: /etc/csocbot/policies/gen3 (csocbot policy test runs its tests).
COPY --from=build /src/policy/library/*.rego /etc/csocbot/policies/gen3/
# The sandbox: csocbot confines terraform, terragrunt and everything they
# start with Landlock, through csocbot-sandbox. Landlock needs no privilege:
# a kernel of 5.13 or later with Landlock enabled, and a seccomp profile that
# allows the landlock_* system calls (Docker's default does since 23.0);
# limiting runs' TCP ports needs Landlock ABI 4 (Linux 6.7). A PID namespace
# per run additionally needs unprivileged user namespaces, which Docker's
# default seccomp profile refuses; without them leftover processes are killed
# by run ID instead. Do not add capabilities or run privileged for it.
# `csocbot serve --check` reports what the container allows; serve will not
# start where runs cannot be confined unless sandbox.mode is off.
USER 10001:10001
WORKDIR /var/lib/csocbot
VOLUME /var/lib/csocbot
EXPOSE 8080
# GET /healthz over bash's /dev/tcp: the image needs no curl or wget, and
# csocbot has no probe command. It assumes the default listen: :8080; change
# the port here, or probe /healthz from Kubernetes, if you change it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == 'HTTP/1.'[01]' 200'* ]]"]
ENTRYPOINT ["/usr/local/bin/csocbot"]
CMD ["serve", "--config", "/etc/csocbot/config.yaml"]
