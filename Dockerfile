# Build the manager binary
FROM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH

WORKDIR /workspace
# The module manifests first, so that the downloaded modules are a layer of
# their own that a source change does not invalidate.
COPY go.mod go.mod
COPY go.sum go.sum
RUN go mod download

# The Go sources (.dockerignore lets only *.go, tests excluded, through).
COPY . .

# The same flags as `make build`. GOARCH has no default so that the binary is
# built for the platform docker builds for (TARGETARCH, set by BuildKit from
# --platform or the host), and the image and binary always match.
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -trimpath -ldflags "-s -w" -o manager ./cmd

# Distroless: no shell, no package manager; runs as an unprivileged user.
# More info: https://github.com/GoogleContainerTools/distroless
FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /workspace/manager .
# Numeric, so that the kubelet can check runAsNonRoot.
USER 65532:65532

ENTRYPOINT ["/manager"]
