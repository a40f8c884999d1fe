"""capture_logging: stdlib ``logging`` records reach the OTLP receiver, correlated with the
active span, above the threshold, once, and never this package's own records."""

from __future__ import annotations

import io
import logging
import logging.config
from collections.abc import Iterator

import pytest
from opentelemetry import context, trace
from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY
from opentelemetry.instrumentation.logging.handler import LoggingHandler

from automagik_telemetry import (
    ConfigurationError,
    ConsentLevel,
    TelemetryConfig,
    TelemetryHandle,
    configure_automagik,
)
from automagik_telemetry.consent import ConsentStore
from automagik_telemetry.diagnostics import internal_log
from automagik_telemetry.engine.logcapture import TelemetryLogHandler
from tests.support.otlp_receiver import OTLPReceiver, attributes

log = logging.getLogger("shop.checkout")


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def start(receiver: OTLPReceiver, **settings: object) -> TelemetryHandle:
    settings = {"enabled": True, "capture_logging": True, **settings}
    return configure_automagik(endpoint=receiver.url, **settings)


def bodies(receiver: OTLPReceiver) -> list[str]:
    return [record.body.string_value for _, record in receiver.log_records()]


def flushed(handle: TelemetryHandle, receiver: OTLPReceiver, count: int) -> list[str]:
    assert handle.force_flush(5)
    assert receiver.wait_for(lambda: len(receiver.log_records()) >= count)
    return bodies(receiver)


def our_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if isinstance(h, TelemetryLogHandler)]


def test_records_carry_the_active_span_severity_extras_and_exceptions(
    receiver: OTLPReceiver,
) -> None:
    handle = start(receiver)
    with trace.get_tracer("shop").start_as_current_span("checkout") as span:
        log.warning("cart %s is %d days old", "c-1", 3, extra={"cart_items": 2, "obj": object()})
        try:
            raise KeyError("missing-sku")
        except KeyError:
            log.exception("checkout failed")
    flushed(handle, receiver, 2)

    warning, failure = (record for _, record in receiver.log_records())
    assert warning.body.string_value == "cart c-1 is 3 days old"
    assert (warning.severity_text, warning.severity_number) == ("WARN", 13)
    assert warning.trace_id == span.get_span_context().trace_id.to_bytes(16, "big")
    assert warning.span_id == span.get_span_context().span_id.to_bytes(8, "big")
    extras = attributes(warning.attributes)
    assert extras["cart_items"] == 2
    assert extras["obj"].startswith("<object object at")
    assert (failure.severity_text, failure.severity_number) == ("ERROR", 17)
    details = attributes(failure.attributes)
    assert details["exception.type"] == "KeyError"
    assert "missing-sku" in details["exception.stacktrace"]


def test_the_threshold_defaults_to_warning_and_can_be_lowered(receiver: OTLPReceiver) -> None:
    logging.getLogger().setLevel(logging.DEBUG)
    handle = start(receiver)
    log.info("routine")
    log.warning("noteworthy")
    assert flushed(handle, receiver, 1) == ["noteworthy"]


def test_threshold_and_switch_from_the_environment(
    receiver: OTLPReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    logging.getLogger().setLevel(logging.DEBUG)
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_CAPTURE_LOGGING", "true")
    monkeypatch.setenv("OTEL_PYTHON_LOG_HANDLER_LEVEL", "info")
    handle = configure_automagik(enabled=True, endpoint=receiver.url)
    assert handle.config.log_level == logging.INFO
    log.debug("too chatty")
    log.info("started")
    log.log(15, "custom level below info")
    log.log(45, "custom level between error and critical")
    log.critical("on fire")
    log.log(5, "trace-like")
    flushed(handle, receiver, 3)
    severities = {r.body.string_value: r.severity_number for _, r in receiver.log_records()}
    assert severities == {
        "started": 9,
        "custom level between error and critical": 20,
        "on fire": 21,
    }


def test_every_level_can_be_captured(receiver: OTLPReceiver) -> None:
    logging.getLogger().setLevel(1)
    handle = start(receiver, log_level=0)
    log.log(5, "trace-like")
    assert flushed(handle, receiver, 1) == ["trace-like"]
    assert receiver.log_records()[0][1].severity_number == 1


@pytest.mark.parametrize(("value", "level"), [("25", 25), (" Error ", 40), ("warn", 30), (5, 5)])
def test_log_level_accepts_names_and_numbers(value: object, level: int) -> None:
    env = {"AUTOMAGIK_TELEMETRY_LOG_LEVEL": value} if isinstance(value, str) else {}
    settings = {} if isinstance(value, str) else {"log_level": value}
    assert TelemetryConfig.resolve(env, **settings).log_threshold == level


@pytest.mark.parametrize("value", ["loud", -1, True, 2.5])
def test_a_bad_log_level_names_what_is_accepted(value: object) -> None:
    with pytest.raises(ConfigurationError, match="a logging level: debug, info"):
        TelemetryConfig(log_level=value)  # type: ignore[arg-type]


def test_off_by_default_and_nothing_installed_without_consent(receiver: OTLPReceiver) -> None:
    handle = configure_automagik(enabled=True, endpoint=receiver.url)
    assert handle.log_capture is None
    assert our_handlers() == []
    handle.shutdown()
    off = configure_automagik(capture_logging=True)  # the first handle is kept...
    assert off is handle


def test_without_consent_no_handler_is_added(receiver: OTLPReceiver) -> None:
    handle = configure_automagik(capture_logging=True, endpoint=receiver.url)
    assert not handle.enabled
    assert handle.log_capture is None
    assert our_handlers() == []


def test_records_of_this_package_and_the_sdk_are_never_captured(
    receiver: OTLPReceiver,
) -> None:
    handle = start(receiver)
    internal_log.error("test.kind", "exporter trouble")
    logging.getLogger("automagik_telemetry.consent").error("consent trouble")
    logging.getLogger("opentelemetry.sdk._shared_internal").error("Queue full")
    logging.getLogger("automagik_telemetryx").error("a different package")
    token = context.attach(context.set_value(_SUPPRESS_INSTRUMENTATION_KEY, True))
    try:
        log.error("logged while an exporter runs")
    finally:
        context.detach(token)
    log.error("the app's own record")
    assert flushed(handle, receiver, 2) == ["a different package", "the app's own record"]


def test_a_value_that_logs_while_being_captured_does_not_loop(receiver: OTLPReceiver) -> None:
    class Chatty:
        def __str__(self) -> str:
            log.error("rendering a Chatty")
            return "chatty"

    handle = start(receiver)
    log.error("with a chatty value", extra={"value": Chatty()})
    assert flushed(handle, receiver, 1) == ["with a chatty value"]
    assert attributes(receiver.log_records()[0][1].attributes)["value"] == "chatty"


def test_a_record_that_cannot_be_rendered_is_logged_not_raised(
    receiver: OTLPReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("a bug in the app's __str__")

    handle = start(receiver)
    with caplog.at_level(logging.ERROR, logger="automagik_telemetry"):
        log.error("apples", extra={"broken": Broken()})
    log.error("next one")
    assert flushed(handle, receiver, 1) == ["next one"]
    assert "could not capture a log record" in caplog.text


def test_an_opt_out_while_running_stops_capture_at_once(receiver: OTLPReceiver) -> None:
    handle = start(receiver)
    log.error("before")
    handle.consent.revoke("test")
    log.error("after")
    handle.force_flush(5)
    assert bodies(receiver) == []  # the queued record is discarded at the gate too
    assert handle.consent.level is ConsentLevel.OFF


def test_a_logging_handler_of_opentelemetry_on_root_is_not_doubled(
    receiver: OTLPReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    handle = start(receiver)
    theirs = LoggingHandler()
    logging.getLogger().addHandler(theirs)
    with caplog.at_level(logging.WARNING, logger="automagik_telemetry"):
        log.error("once")
        log.error("twice")
    internal_log.error("test.kind", "our own diagnostics")  # captured by theirs, dropped by us
    assert flushed(handle, receiver, 2) == ["once", "twice"]
    assert caplog.text.count("already on the root logger") == 1


def test_basic_config_after_capture_still_sets_up_the_console(receiver: OTLPReceiver) -> None:
    root = logging.getLogger()
    root.handlers[:] = []
    handle = start(receiver)
    console = io.StringIO()
    logging.basicConfig(stream=console, level=logging.INFO, format="%(message)s")
    log.warning("seen twice")
    assert console.getvalue() == "seen twice\n"
    # dictConfig replaces the root logger's handlers: ours is put back
    logging.config.dictConfig(
        {"version": 1, "disable_existing_loggers": False, "root": {"handlers": []}}
    )
    assert len(our_handlers()) == 1
    log.warning("still captured")
    assert flushed(handle, receiver, 2) == ["seen twice", "still captured"]

    handle.shutdown()
    assert our_handlers() == []
    assert not hasattr(logging.basicConfig, "__automagik_capture__")
    assert not hasattr(logging.config.dictConfig, "__automagik_capture__")


def test_a_handler_removed_by_the_app_stays_removed(receiver: OTLPReceiver) -> None:
    handle = start(receiver)
    assert handle.log_capture is not None
    root = logging.getLogger()
    root.removeHandler(handle.log_capture.handler)
    root.handlers[:] = []
    logging.basicConfig(stream=io.StringIO())
    assert our_handlers() == []
    assert len(root.handlers) == 1


def test_a_config_function_wrapped_after_us_is_left_in_place(receiver: OTLPReceiver) -> None:
    handle = start(receiver)
    ours = logging.basicConfig

    def later_wrapper(**kwargs: object) -> None:
        ours(**kwargs)

    logging.basicConfig = later_wrapper
    try:
        handle.shutdown()
        assert logging.basicConfig is later_wrapper
    finally:
        logging.basicConfig = ours.__wrapped__  # type: ignore[attr-defined]


def test_stored_consent_errors_level_sends_only_error_records(receiver: OTLPReceiver) -> None:
    ConsentStore().write_preference(ConsentLevel.ERRORS, via="test")
    handle = configure_automagik(capture_logging=True, endpoint=receiver.url)
    log.warning("usage")
    log.error("broken")
    assert flushed(handle, receiver, 1) == ["broken"]
