from __future__ import annotations

import subprocess
import sys

import automagik_telemetry


def test_every_public_name_is_importable_from_the_package() -> None:
    for name in automagik_telemetry.__all__:
        assert getattr(automagik_telemetry, name) is not None, name
    for required in (
        "configure_automagik",
        "TelemetryConfig",
        "ConfigurationError",
        "ConsentSampler",
        "track_event",
        "track_error",
        "track_metric",
        "track_event_async",
        "enable",
        "disable",
        "is_enabled",
        "get_status",
        "flush",
        "StandardEvents",
    ):
        assert required in automagik_telemetry.__all__
    assert set(automagik_telemetry.__all__) <= set(dir(automagik_telemetry))  # for completion


def test_importing_the_package_stays_light() -> None:
    code = (
        "import sys, automagik_telemetry; "
        "heavy = {'chdb', 'pandas', 'clickhouse_connect', 'numpy', 'pyarrow', "
        "'opentelemetry.instrumentation'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_package_is_typed() -> None:
    from importlib.resources import files

    assert files("automagik_telemetry").joinpath("py.typed").is_file()
