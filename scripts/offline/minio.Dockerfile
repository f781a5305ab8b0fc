# Offline stand-in for the MinIO server image: moto's S3 (bucket versioning included) behind
# MinIO's command line, its users and policies (s3_access.py) and `mc ready local`, persisting to
# /data. Built where MinIO's image cannot be pulled; never used when it can.
ARG PYTHON_IMAGE=mwaa-local-offline/python:3.12-slim-bookworm
FROM ${PYTHON_IMAGE}
ARG MOTO_VERSION=5.2.5
# The admin API's encrypted bodies are read with the MinIO SDK's own decryption.
ARG MINIO_SDK_VERSION=7.2.20
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=ca_bundle \
    cat /etc/ssl/certs/ca-certificates.crt /run/secrets/ca_bundle > /tmp/ca.pem 2>/dev/null; \
    PIP_CERT=/tmp/ca.pem python3 -m pip install --root-user-action=ignore \
      "moto[s3,server]==${MOTO_VERSION}" "minio==${MINIO_SDK_VERSION}" \
 && rm -f /tmp/ca.pem
COPY emulator /opt/s3-standin/emulator
COPY s3_standin.py s3_access.py /opt/s3-standin/
COPY mc /usr/local/bin/mc
VOLUME /data
EXPOSE 9000
ENTRYPOINT ["python3", "/opt/s3-standin/s3_standin.py"]
CMD ["server", "/data"]
