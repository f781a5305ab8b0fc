# An environment's configured image: the version's Airflow image plus the requirements.txt,
# plugins.zip and startup script of one configuration, read from the bucket at the object
# versions CreateEnvironment/UpdateEnvironment named (emulator/container/runtime/configuration.py).
# Built once per configuration by the control plane; every component runs it.
# Build secret `ca_bundle`: extra CA certificates pip must trust; never stored.
ARG AIRFLOW_IMAGE
FROM ${AIRFLOW_IMAGE}
COPY --chown=airflow:airflow files/ /tmp/mwaa-local-configuration/
RUN --mount=type=cache,id=mwaa-local-requirements-pip,target=/usr/local/airflow/.cache/pip,uid=1000,gid=1000 \
    --mount=type=secret,id=ca_bundle,uid=1000 \
    /opt/mwaa-local/venv/bin/python -m emulator.container configure /tmp/mwaa-local-configuration
