# syntax=docker/dockerfile:1
#
# CoreDNS with trafficflow (cmd/coredns), as a static binary on a distroless
# base, run as a non-root user:
#
#   docker build -t REGISTRY/trafficflow . && docker push REGISTRY/trafficflow
#
# deploy/kubernetes runs it (see the README's "Kubernetes"); its test checks
# this file against the Deployment.

# The build runs on the builder's platform and cross-compiles for the
# target's (docker buildx build --platform linux/amd64,linux/arm64 ...).
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS
ARG TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags='-s -w' -o /coredns ./cmd/coredns

# Static, no shell, CA certificates (for HTTPS health checks) and the
# "nonroot" user 65532, which the Deployment runs as.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /coredns /coredns
USER 65532:65532
# An unprivileged port: binding 53 as non-root would need NET_BIND_SERVICE.
# The Kubernetes Service maps 53 to it.
EXPOSE 1053/udp 1053/tcp
ENTRYPOINT ["/coredns"]
