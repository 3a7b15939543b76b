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
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/csocbot ./cmd/csocbot
ARG TOFU_VERSION=v1.10.10
RUN scripts/install-tofu.sh "${TOFU_VERSION}" /out

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git openssh-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/csocbot csocbot
COPY --from=build /out/csocbot /out/tofu /usr/local/bin/
# The bundled Gen3 policy library, for a policies: entry with
# path: /etc/csocbot/policies/gen3 (csocbot policy test runs its tests).
COPY --from=build /src/policy/library/*.rego /etc/csocbot/policies/gen3/
USER csocbot
WORKDIR /var/lib/csocbot
VOLUME /var/lib/csocbot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/csocbot"]
CMD ["serve", "--config", "/etc/csocbot/config.yaml"]
