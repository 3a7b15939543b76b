# csocbot server image. OpenTofu is built from source through the Go module
# proxy, so the build needs no download site other than the proxy; to use
# HashiCorp Terraform instead, mount or COPY a terraform binary into
# /usr/local/bin and set terraform.binary in the server config.
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/csocbot ./cmd/csocbot-sandbox
ARG TOFU_VERSION=v1.10.10
RUN scripts/install-tofu.sh "${TOFU_VERSION}" /out

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git openssh-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/csocbot csocbot
COPY --from=build /out/csocbot /out/csocbot-sandbox /out/tofu /usr/local/bin/
# The bundled Gen3 policy library, for a policies: entry with
# path: /etc/csocbot/policies/gen3 (csocbot policy test runs its tests).
COPY --from=build /src/policy/library/*.rego /etc/csocbot/policies/gen3/
# csocbot confines terraform and everything it starts with Landlock, which
# needs no privilege: a kernel of 5.13 or later with Landlock enabled, and a
# seccomp profile that allows the landlock_* system calls (Docker's default
# does since 23.0). A PID namespace per run additionally needs unprivileged
# user namespaces (Docker's default seccomp profile refuses them); without
# them leftover processes are killed by run ID. `csocbot serve --check`
# reports what the container allows; serve will not start where runs cannot
# be confined unless sandbox.mode is off.
USER csocbot
WORKDIR /var/lib/csocbot
VOLUME /var/lib/csocbot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/csocbot"]
CMD ["serve", "--config", "/etc/csocbot/config.yaml"]
