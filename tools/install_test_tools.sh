#!/usr/bin/env bash
# Debian packages some functional tests need and a fresh machine lacks:
# Prometheus (the cloud tests' alarms and the metric-scaling tests read a
# private one) and the Prometheus Pushgateway (the metric-scaling tests
# push per-member values to it). Never fails the caller: a missing tool
# makes its tests skip with the reason.

# each package's command has the package's name
missing=()
for pkg in prometheus prometheus-pushgateway; do
    if command -v "$pkg" >/dev/null 2>&1; then
        echo "$pkg: $(command -v "$pkg")"
    else
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "${missing[*]}: not installed and no apt-get; their tests skip"
    exit 0
fi
echo "${missing[*]}: installing Debian's package(s)"
export DEBIAN_FRONTEND=noninteractive
{ apt-get update -qq && apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"; } >/tmp/heat-install-prometheus.log 2>&1 ||
    echo "${missing[*]}: install failed (tail of the log follows); their" \
         "tests skip $(tail -n 5 /tmp/heat-install-prometheus.log)"
exit 0
