#!/bin/bash
# First start only (the image runs /docker-entrypoint-initdb.d on an empty data directory):
# a read-only user for Grafana. readonly=2 lets the data source change query settings (it
# sends some) but never write. The password comes from the environment (infra/.env).
set -euo pipefail
case "${GRAFANA_CLICKHOUSE_USER}${GRAFANA_CLICKHOUSE_PASSWORD}" in
  *"'"* | *'\'*) echo "GRAFANA_CLICKHOUSE_USER/PASSWORD must not contain quotes or backslashes" >&2; false ;;
esac
clickhouse-client --host 127.0.0.1 --user "${CLICKHOUSE_USER}" --password "${CLICKHOUSE_PASSWORD}" --multiquery <<SQL
CREATE USER IF NOT EXISTS \`${GRAFANA_CLICKHOUSE_USER}\` IDENTIFIED WITH sha256_password BY '${GRAFANA_CLICKHOUSE_PASSWORD}' SETTINGS readonly = 2;
GRANT SELECT ON otel.* TO \`${GRAFANA_CLICKHOUSE_USER}\`;
SQL
