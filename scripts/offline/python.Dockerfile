# Offline stand-in for the official python:<minor>-slim-bookworm image: Debian bookworm with a
# CPython build from this machine installed under /usr/local, as the official image has it.
ARG DEBIAN_IMAGE=mwaa-local-offline/debian:bookworm
# The CPython install the interpreter was copied from (recorded in the recipe hash only).
ARG CPYTHON
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates netbase tzdata libssl3 libsqlite3-0 libffi8 libbz2-1.0 liblzma5 \
      libreadline8 zlib1g libuuid1 libncursesw6 libgdbm6 libexpat1 \
 && rm -rf /var/lib/apt/lists/*
COPY cpython/ /usr/local/
RUN ldconfig \
 && python3 -m ensurepip --default-pip >/dev/null \
 && ln -sf python3 /usr/local/bin/python \
 && python3 -c "import ssl, sqlite3, ctypes, lzma, bz2, zlib, uuid; print('python stand-in ok')"
ENV LANG=C.UTF-8
CMD ["python3"]
