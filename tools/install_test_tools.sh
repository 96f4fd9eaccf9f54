#!/usr/bin/env bash
# Debian packages some functional tests need and a fresh machine lacks:
# Prometheus (the cloud tests' alarms read a private one). Never fails the
# caller: a missing tool makes its tests skip with the reason.
if command -v prometheus >/dev/null 2>&1; then
    echo "prometheus: $(command -v prometheus)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "prometheus: not installed and no apt-get; its tests skip"
    exit 0
fi
echo "prometheus: installing Debian's package"
export DEBIAN_FRONTEND=noninteractive
{ apt-get update -qq && apt-get install -y -qq --no-install-recommends \
    prometheus; } >/tmp/heat-install-prometheus.log 2>&1 ||
    echo "prometheus: install failed (tail of the log follows); its tests skip" \
         "$(tail -n 5 /tmp/heat-install-prometheus.log)"
exit 0
