"""The engine: what runs once telemetry is on.

Everything here may import the OpenTelemetry SDK; nothing in the light front (``config``,
``consent``, ``cli``'s consent commands, the facade) imports it at start-up. The engine's other
parts live next to it: ``privacy/``, ``delivery/``, ``spool/``, ``exporters/``.
"""
