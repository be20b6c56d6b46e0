# Gateway Worker: a static binary on a distroless base, running as non-root.
#   docker build -t gateway-worker .
#   docker run -p 8084:8084 -e REDIS_HOST=redis gateway-worker

FROM golang:1.26-alpine AS builder
WORKDIR /src
# Dependencies first, so code changes do not re-download them.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/gateway-worker ./services/gateway-worker/cmd/server

# distroless/static has no shell or curl: the binary is its own health check.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /out/gateway-worker /gateway-worker
USER nonroot:nonroot
ENV APP_PORT=8084
EXPOSE 8084
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["/gateway-worker", "healthcheck"]
ENTRYPOINT ["/gateway-worker"]
