"""``doctor``: check the configuration, the consent decision and each backend, and explain.

The OTLP check sends one *empty* export request (no spans, no data about you) to the traces
endpoint with a short timeout and translates the outcome into what to do about it; ``--offline``
skips every network check. The HTTP client (``urllib``, ``ssl``) is imported only for a probe,
so the offline check answers as fast as ``status``.
"""

from __future__ import annotations

import argparse
import base64
import socket
from typing import TYPE_CHECKING, Any

from ..config import TelemetryConfig
from ..config.masking import mask_url, redact, secret_values, split_credentials
from ..config.settings import DURATION_LIMITS
from ..config.values import parse_positive_seconds
from ..consent.decision import decide_consent
from ..status import describe_destinations

if TYPE_CHECKING:
    import urllib.request

__all__ = ["probe_otlp", "register"]

_HTTP_ADVICE = {
    400: "reachable; the receiver rejected an empty request, which some receivers do",
    401: "authentication required: set AUTOMAGIK_TELEMETRY_HEADERS (or OTEL_EXPORTER_OTLP_HEADERS)",
    403: "access denied: check the credentials in AUTOMAGIK_TELEMETRY_HEADERS",
    404: "no OTLP receiver at this path: check the endpoint (signals go to /v1/traces, ...)",
    405: "this URL does not accept OTLP exports (POST): is it the OTLP/HTTP port (4318)?",
    413: "the receiver limits request sizes: reduce batch sizes",
    415: "the receiver does not accept OTLP protobuf: is it an OTLP/HTTP receiver?",
    429: "the receiver is rate-limiting: data will be retried later",
}


def register(commands: Any) -> None:
    doctor = commands.add_parser("doctor", help="check the endpoint and explain what is wrong")
    doctor.add_argument("--timeout", type=_seconds, default=3.0, help="seconds per check")
    doctor.add_argument(
        "--offline", action="store_true", help="check the configuration only: no network probe"
    )
    doctor.set_defaults(run=run_doctor)


def _seconds(text: str) -> float:
    """``--timeout``: bounded like the ``timeout`` setting (a socket cannot wait 1e10 s)."""
    limit = DURATION_LIMITS["timeout"]
    try:
        return parse_positive_seconds(float(text), "--timeout", maximum=limit)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: accepted: a number of seconds greater than 0 and at most {limit:g}"
        ) from None


def run_doctor(args: argparse.Namespace, config: TelemetryConfig) -> int:
    decision = decide_consent(config)
    print(f"consent:  {'on (' + decision.level.value + ')' if decision.enabled else 'off'}")
    print(f"          {decision.reason}")
    healthy = True
    for backend, where in describe_destinations(config).items():
        print(f"backend:  {backend}: {where}")
        if backend == "otlp" and not args.offline:
            ok, message = probe_otlp(config.signal_endpoint("traces"), config, args.timeout)
            healthy = healthy and ok
            print(f"          {'OK' if ok else 'PROBLEM'}: {message}")
        elif backend == "clickhouse":  # the driver (and chDB) load only for this backend
            from ..exporters.clickhouse.doctor import check_clickhouse

            for ok, message in check_clickhouse(config, args.timeout):
                healthy = healthy and ok
                print(f"          {'OK' if ok else 'PROBLEM'}: {message}")
    return 0 if healthy else 1


def probe_otlp(url: str, config: TelemetryConfig, timeout: float) -> tuple[bool, str]:
    """POST an empty OTLP request; ``(ok, explanation)``. Never raises, never shows a secret.

    Credentials in the URL go as HTTP Basic auth, as the exporter (``requests``) sends them:
    ``urllib`` would take them for part of the host name."""
    import urllib.request

    bare, credentials = split_credentials(url)
    headers = {"Content-Type": "application/x-protobuf", **config.headers}
    if credentials is not None:
        token = base64.b64encode(":".join(credentials).encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    request = urllib.request.Request(  # noqa: S310 - the URL was validated as http(s)
        bare, data=b"", method="POST", headers=headers
    )
    secrets = secret_values(urls=[url], headers=config.headers)
    ok, message = _probe(request, mask_url(url), timeout)
    return ok, redact(message, secrets)


def _probe(request: urllib.request.Request, url: str, timeout: float) -> tuple[bool, str]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return True, f"HTTP {response.status}: the endpoint accepts OTLP/HTTP protobuf"
    except urllib.error.HTTPError as error:
        advice = _HTTP_ADVICE.get(error.code)
        if advice is None:
            advice = (
                "server error: the receiver is up but failing; data will be retried"
                if error.code >= 500
                else "unexpected answer"
            )
        return error.code == 400, f"HTTP {error.code}: {advice}"
    except (urllib.error.URLError, OSError) as error:
        return False, _explain_network_error(getattr(error, "reason", error), url, timeout)


def _explain_network_error(reason: object, url: str, timeout: float) -> str:
    import ssl

    if isinstance(reason, ConnectionRefusedError):
        return f"connection refused: nothing listens at {url}"
    if isinstance(reason, socket.gaierror):
        return f"the host name does not resolve ({reason}): check the endpoint or your DNS"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"no answer within {timeout:g}s: a firewall or proxy may drop the traffic"
    if isinstance(reason, ssl.SSLError):
        return f"TLS failed ({reason}): check the certificate or use the right scheme"
    return f"cannot connect: {reason}"
