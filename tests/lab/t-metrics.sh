#!/usr/bin/env bash
# t-metrics.sh - gatewayd's Prometheus endpoint scraped by a real
# Prometheus server.  gatewayd on gw1 (tunnel vpc1-vpc2, initiate no,
# dpd-delay 2 s, dpd-timeout 3 s, dpd-action restart) serves
# metrics-listen 172.16.0.1:9587 (its inside address); strongSwan on gw2
# responds.  Prometheus runs in gw1's namespace, scraping every second,
# with its storage in RUN/prom.  The tunnel goes:
#   Down (not started)  -> gatewayctl up -> Connected, ping traffic
#   -> charon on gw2 killed (kill -9: no DELETE), gw2's SAs flushed:
#      gatewayd's DPD declares the peer dead -> not Connected
#   -> charon started again: gatewayd connects again -> Connected, ping.
# Then Prometheus' HTTP API (query_range over the run, step 1 s) must show
# gatewayd_tunnel_up going 0 -> 1 -> 0 -> 1 and the tunnel's byte
# counters never going back and rising with the traffic, across the new
# CHILD SAs; a scrape passes "promtool check metrics"; other paths are 404.
# The JSON checks and promtool run on the host after the VM (python3 and
# promtool start slowly in UML).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin
gw_bin
DELAY=2 TIMEOUT=3
METRICS=172.16.0.1:9587
PROM=127.0.0.1:9090
PROM_DIR=$LAB_RUN/prom
T0=$(date +%s)

command -v prometheus >/dev/null || fail "prometheus not installed"
topo_standard

# curl in gw1's namespace (Prometheus and the endpoint live there).
gw1_curl() {
	ip netns exec gw1 curl -sS --max-time 5 "$@"
}

# prom_query EXPR: the first value of an instant query, or nothing.
prom_query() {
	gw1_curl -G "http://$PROM/api/v1/query" --data-urlencode "query=$1" |
	    grep -o '"value":\[[0-9.]*,"[^"]*"' | head -n 1 |
	    sed 's/.*,"\(.*\)"/\1/'
}

prom_is() {
	[ "$(prom_query "$1")" = "$2" ]
}

step "Prometheus in gw1's namespace, scraping $METRICS every second"
mkdir -p "$PROM_DIR/data"
cat >"$PROM_DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: gatewayd
    static_configs:
      - targets: ['$METRICS']
EOF
ptime=$(lab_now_us)
lab_spawn gw1 "$PROM_DIR/prometheus.log" prometheus \
    --config.file="$PROM_DIR/prometheus.yml" \
    --storage.tsdb.path="$PROM_DIR/data" \
    --storage.tsdb.retention.time=1h \
    --web.listen-address="$PROM" --log.level=info

step "gatewayd on gw1 (metrics-listen $METRICS, initiate no), strongSwan on gw2"
swan_std gw2 start=none
start_charon gw2
gw_std gw1 initiate=no
f=$(node_dir gw1)/gatewayd.conf
awk -v m="$METRICS" -v d="$DELAY" -v t="$TIMEOUT" '
    NR == 2 { print; printf "metrics-listen %s\n", m; next } { print }
    /^\tpsk / { printf "\tdpd-delay %s\n\tdpd-timeout %s\n" \
    "\tdpd-action restart\n", d, t }' "$f" >"$f.new" && mv "$f.new" "$f"
start_gatewayd gw1
gw_wait_state gw1 vpc1-vpc2 Down 5

# the endpoint itself
gw1_curl -o "$LAB_RUN/scrape-down.txt" "http://$METRICS/metrics" ||
    fail "GET /metrics failed"
assert_file_match "scrape: tunnel down" \
    '^gatewayd_tunnel_up\{tunnel="vpc1-vpc2",peer="gw2"\} 0$' \
    "$LAB_RUN/scrape-down.txt"
code=$(gw1_curl -o /dev/null -w '%{http_code}' "http://$METRICS/")
assert_eq "GET / status" 404 "$code"
code=$(gw1_curl -o /dev/null -w '%{http_code}' "http://$METRICS/metrics/x")
assert_eq "GET /metrics/x status" 404 "$code"
code=$(gw1_curl -o /dev/null -w '%{http_code}' -X POST -d x "http://$METRICS/metrics")
[ "$code" = 405 ] || [ "$code" = 501 ] || fail "POST /metrics: HTTP $code"
say "ok: / and /metrics/x are 404, POST is refused ($code)"

wait_for 60 gw1_curl -o /dev/null "http://$PROM/-/ready" ||
    fail "Prometheus not ready after 60 s"
say "Prometheus ready after $((($(lab_now_us) - ptime) / 1000)) ms"
wait_for 20 prom_is 'gatewayd_tunnel_up{tunnel="vpc1-vpc2"}' 0 ||
    fail "Prometheus has not scraped gatewayd_tunnel_up 0"
say "ok: Prometheus scraped the tunnel Down (0)"

step "up: Connected, ping traffic"
gwctl gw1 up vpc1-vpc2 >/dev/null || fail "gatewayctl up"
gw_wait_state gw1 vpc1-vpc2 Connected 20
ping_ok c1 "$C2_ADDR" 10
wait_for 10 prom_is 'gatewayd_tunnel_up{tunnel="vpc1-vpc2"}' 1 ||
    fail "Prometheus has not scraped gatewayd_tunnel_up 1"
b1=$(prom_query 'gatewayd_tunnel_out_bytes_total{tunnel="vpc1-vpc2"}')
say "ok: Prometheus: up 1, $b1 bytes out"
gw_status_json_ok gw1 vpc1-vpc2 Connected
gw1_curl -o "$LAB_RUN/scrape-up.txt" "http://$METRICS/metrics" ||
    fail "GET /metrics failed"
printf 'promtool_metrics_ok %q\n' "$LAB_RUN/scrape-up.txt" \
    >>"$LAB_RUN/host-checks"

step "charon on gw2 killed: gatewayd's DPD notices"
while read -r p; do kill -KILL "$p" 2>/dev/null; done <"$(node_dir gw2)/pids"
rm -f "$(node_dir gw2)/pids" "$(node_rt gw2)"/*
ip -n gw2 xfrm state flush
ip -n gw2 xfrm policy flush
t1=$(lab_now_us)
not_connected() { ! gw_state_is gw1 vpc1-vpc2 Connected; }
wait_for $((DELAY * 2 + TIMEOUT + 5)) not_connected ||
    fail "gw1 did not notice the dead peer"
say "gw1: not Connected $((($(lab_now_us) - t1) / 1000)) ms after the kill"
wait_for 10 prom_is 'gatewayd_tunnel_up{tunnel="vpc1-vpc2"}' 0 ||
    fail "Prometheus has not scraped gatewayd_tunnel_up 0 after the kill"
assert_ge "DPD probes missed" 1 \
    "$(prom_query 'gatewayd_dpd_probes_missed_total')"

step "charon on gw2 again: gatewayd connects again"
swan_std gw2 start=none
start_charon gw2
gw_wait_state gw1 vpc1-vpc2 Connected 30
ping_ok c1 "$C2_ADDR" 10
wait_for 10 prom_is 'gatewayd_tunnel_up{tunnel="vpc1-vpc2"}' 1 ||
    fail "Prometheus has not scraped gatewayd_tunnel_up 1 again"
b2=$(prom_query 'gatewayd_tunnel_out_bytes_total{tunnel="vpc1-vpc2"}')
say "ok: Prometheus: up 1 again, $b2 bytes out (before the kill: $b1)"
gw_show_status gw1
sleep 2
gw_alive gw1

step "Prometheus' record of the run (query_range, step 1 s)"
T1=$(($(date +%s) + 1))
for q in up out_bytes in_bytes; do
	case $q in
	up) e='gatewayd_tunnel_up{tunnel="vpc1-vpc2"}' ;;
	*) e="gatewayd_tunnel_${q}_total{tunnel=\"vpc1-vpc2\"}" ;;
	esac
	gw1_curl -G "http://$PROM/api/v1/query_range" \
	    --data-urlencode "query=$e" --data-urlencode "start=$T0" \
	    --data-urlencode "end=$T1" --data-urlencode "step=1" \
	    -o "$LAB_RUN/range-$q.json" || fail "query_range $e failed"
done
printf 'metrics_range_ok %q\n' "$LAB_RUN" >>"$LAB_RUN/host-checks"
say "query_range results in range-*.json: checked on the host after the VM"
pass "Prometheus scraped gatewayd: up 0 -> 1 -> 0 -> 1, bytes rising"
