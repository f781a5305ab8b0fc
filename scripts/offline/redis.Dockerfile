# Offline stand-in for the official `redis` image, built from Debian's redis-server.
# Like the official image it listens on every interface without protected mode
# (the port is only reachable on the project's own network).
ARG DEBIAN_IMAGE=mwaa-local-offline/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no", "--dir", "/data"]
