# syntax=docker/dockerfile:1
# Build the same static binary that CI builds, then ship it alone on a minimal non-root image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/mdebot ./cmd/mdebot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mdebot /usr/local/bin/mdebot
USER nonroot:nonroot
EXPOSE 8080
# /healthz: the process is alive; /readyz: Slack connected recently and Redis reachable.
ENTRYPOINT ["/usr/local/bin/mdebot"]
CMD ["run"]
