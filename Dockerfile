# syntax=docker/dockerfile:1
# Build the same static binary that CI builds, then ship it alone on a minimal non-root image.
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t mdebot .
# Without VERSION, `mdebot version` says "dev": .dockerignore keeps .git out of the build context,
# so there is no VCS revision to read either.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# cmd/mdebot/deploy_test.go runs this exact command (CGO_ENABLED=0: a static binary for the
# static distroless image) and checks the result; keep it on one line.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/mdebot ./cmd/mdebot

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="mdebot" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/mdebot /usr/local/bin/mdebot
# distroless's nonroot user (uid/gid 65532); Kubernetes' runAsNonRoot needs the numeric form.
USER 65532:65532
# MDEBOT_HTTP_ADDR's default port: /healthz (the process answers) and /readyz (Slack connected
# recently, Redis reachable).
EXPOSE 8080
# The image has no shell or curl: the binary probes its own /healthz on MDEBOT_HTTP_ADDR's port.
# Liveness, not readiness: a restart cures a wedged process, not a Redis or Slack outage.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/mdebot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/mdebot"]
CMD ["run"]
