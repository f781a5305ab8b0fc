"""The control plane's health check (`python3 -m emulator.service.liveness`): exit 0 when the API
answers. It cannot sign (that needs the region's keys and botocore), so the answer it expects
to an unsigned ListEnvironments is MWAA's refusal: 403 AccessDeniedException. Docker runs it
every few seconds, so it imports nothing but urllib: importing the server (botocore, the docker
SDK) costs seconds of CPU on a busy machine."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

PORT = 4566  # inside the container; the region publishes it on 127.0.0.1 (MWAA_LOCAL_API_PORT)


def healthy() -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/environments", timeout=4):
            return False  # an unsigned request let through is a control plane that must not run
    except urllib.error.HTTPError as refused:
        return refused.code == 403 and refused.headers.get("x-amzn-ErrorType") == "AccessDeniedException"
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(0 if healthy() else 1)
