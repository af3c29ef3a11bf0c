#!/usr/bin/env bash
# lab.sh: a two-namespace network lab for Happy Eyeballs tests and benchmarks.
#
# Why: the interesting behaviour of Happy Eyeballs (RFC 8305) only shows on paths that are
# slow, silent or refusing, per address and per family. This script builds such paths on this
# machine, isolated from every real network:
#
#   client netns stg-c-ID                       server netns stg-s-ID
#   veth-c 198.18.255.1/24  <---- veth ---->    veth-s 198.18.255.2/24, DNS 198.18.255.53
#          2001:db8:ff::1/64                           2001:db8:ff::2/64, DNS 2001:db8:ff::53
#   + config "clientAddresses" (/32, /128)             + every config server address (/32, /128)
#   default routes point at each other; nothing else is reachable from either namespace.
#
# In the server namespace: the echo server (echo-server.mjs) on PORT of every server address,
# the DNS server (dns-server.mjs) on UDP 53 of the DNS addresses, firewall rules per address
# (drop: silent nft/iptables drop; reset: reject with tcp reset) and, for addresses with a
# delay, iptables/ip6tables NFQUEUE rules fed to nfq-delay.py, which holds each packet DELAY ms.
# The client namespace gets /etc/netns/stg-c-ID/{resolv.conf,hosts}, so a process started
# with `ip netns exec stg-c-ID ...` resolves names through the lab DNS (getaddrinfo too).
#
# Usage (as root):
#   lab.sh up CONFIG.json [--id ID]   build a lab; prints one JSON line (see docs/lab.md)
#   lab.sh down [ID]                  tear a lab down (default: $STG_LAB_ID, else the last "up")
#   lab.sh down-all                   tear down every stg- namespace and lab state left over
#   lab.sh list                       print the ids of the labs that exist
#   lab.sh check                      tell whether the lab can run here; exit 1 if not
# State (pids, logs, the config) lives in /tmp/stg-lab-ID/. "down" needs nothing but the id:
# it also kills whatever still runs inside the namespaces, so it works after a crash.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAST_FILE=/tmp/stg-lab.last # the id of the last lab brought up, for a bare "down"

LINK4_C=198.18.255.1
LINK4_S=198.18.255.2
DNS4=198.18.255.53
LINK6_C=2001:db8:ff::1
LINK6_S=2001:db8:ff::2
DNS6=2001:db8:ff::53

log() { printf 'lab: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, firewall rules)"; }

valid_id() { [[ "$1" =~ ^[a-z0-9]{1,12}$ ]] || die "bad lab id '$1' (1-12 of a-z0-9)"; }

node_bin() { command -v node || die "node not found"; }

# The real interpreter, not a pyenv-style shim, so the pid we record is the program itself.
python_bin() {
  local py
  py=$(command -v python3) || die "python3 not found"
  "$py" -c 'import sys; print(sys.executable)'
}

# Which tool does drop/reset: $STG_LAB_FIREWALL (nft or iptables) if set, else nft if it
# works, else iptables.
firewall_tool() {
  case "${STG_LAB_FIREWALL:-}" in
    nft | iptables) echo "$STG_LAB_FIREWALL"; return 0 ;;
    "") ;;
    *) die "STG_LAB_FIREWALL must be nft or iptables" ;;
  esac
  if command -v nft >/dev/null 2>&1 && nft list tables >/dev/null 2>&1; then echo nft; else echo iptables; fi
}

# start_bg NS LOGFILE CMD...: start CMD in NS, detached, record its pid, wait for "ready".
start_bg() {
  local ns=$1 logfile=$2 pid i
  shift 2
  setsid ip netns exec "$ns" "$@" </dev/null >"$logfile" 2>&1 &
  pid=$!
  echo "$pid" >>"$STATE/pids"
  for ((i = 0; i < 200; i++)); do
    if grep -qx ready "$logfile" 2>/dev/null; then return 0; fi
    if ! running "$pid"; then break; fi
    sleep 0.05
  done
  log "$(basename "$2") did not become ready; its log:"
  sed 's/^/  /' "$logfile" >&2 || true
  return 1
}

# running PID: true if the process exists and is not a zombie (an exited child of ours that
# nobody has reaped yet is gone for our purposes).
running() {
  local state
  state=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# kill_pids PID...: TERM, wait up to 2 s, then KILL whatever is left.
kill_pids() {
  local pid alive i
  [ $# -gt 0 ] || return 0
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for ((i = 0; i < 40; i++)); do
    alive=0
    for pid in "$@"; do if running "$pid"; then alive=1; fi; done
    [ "$alive" -eq 1 ] || return 0
    sleep 0.05
  done
  for pid in "$@"; do kill -KILL "$pid" 2>/dev/null || true; done
}

ns_exists() { [ -e "/var/run/netns/$1" ]; }

do_down() {
  local id=$1 nsc="stg-c-$1" nss="stg-s-$1" state="/tmp/stg-lab-$1" pids=() pid ns
  # 1. the processes we started (recorded), 2. anything else still inside our namespaces.
  # A recorded pid counts only while it still runs one of our scripts (pids get reused).
  if [ -f "$state/pids" ]; then
    while read -r pid; do
      [[ "$pid" =~ ^[0-9]+$ ]] || continue
      if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qE '(nfq-delay\.py|dns-server\.mjs|echo-server\.mjs) '; then
        pids+=("$pid")
      fi
    done <"$state/pids"
  fi
  for ns in "$nsc" "$nss"; do
    if ns_exists "$ns"; then
      while read -r pid; do
        [[ "$pid" =~ ^[0-9]+$ ]] && pids+=("$pid")
      done < <(ip netns pids "$ns" 2>/dev/null || true)
    fi
  done
  kill_pids "${pids[@]+"${pids[@]}"}"
  # Rules live in the server namespace and go with it; remove them first all the same.
  if ns_exists "$nss"; then
    ip netns exec "$nss" nft delete table inet stg 2>/dev/null || true
    for t in iptables ip6tables; do
      ip netns exec "$nss" "$t" -w 5 -t mangle -F 2>/dev/null || true
      ip netns exec "$nss" "$t" -w 5 -t filter -F 2>/dev/null || true
    done
  fi
  for ns in "$nsc" "$nss"; do
    if ns_exists "$ns"; then ip netns del "$ns" 2>/dev/null || log "could not delete namespace $ns"; fi
    rm -rf "/etc/netns/$ns"
  done
  rm -rf "$state"
  if [ -f "$LAST_FILE" ] && [ "$(cat "$LAST_FILE" 2>/dev/null)" = "$id" ]; then rm -f "$LAST_FILE"; fi
}

cmd_down() {
  need_root
  local id=${1:-${STG_LAB_ID:-}}
  if [ -z "$id" ] && [ -f "$LAST_FILE" ]; then id=$(cat "$LAST_FILE"); fi
  if [ -z "$id" ]; then log "no lab id given and no last lab recorded: nothing to do"; return 0; fi
  valid_id "$id"
  do_down "$id"
  log "lab $id is down"
}

list_ids() {
  {
    ip netns list 2>/dev/null | awk '{print $1}' | sed -n 's/^stg-[cs]-\([a-z0-9]\{1,12\}\)$/\1/p'
    for d in /tmp/stg-lab-* /etc/netns/stg-[cs]-*; do
      [ -e "$d" ] || continue
      basename "$d" | sed -n -e 's/^stg-lab-\([a-z0-9]\{1,12\}\)$/\1/p' -e 's/^stg-[cs]-\([a-z0-9]\{1,12\}\)$/\1/p'
    done
  } | sort -u
}

cmd_down_all() {
  need_root
  local id n=0
  for id in $(list_ids); do
    do_down "$id"
    n=$((n + 1))
  done
  rm -f "$LAST_FILE"
  log "removed $n lab(s)"
}

cmd_list() { list_ids; }

# While "up" runs, any failure tears the half-built lab down.
on_up_exit() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    log "up failed; tearing lab $UP_ID down"
    do_down "$UP_ID"
  fi
}

# json_list WORD...: a JSON array of strings (the words are validated IP literals).
json_list() {
  local out="" sep="" a
  for a in "$@"; do out="$out$sep\"$a\""; sep=","; done
  printf '[%s]' "$out"
}

cmd_up() {
  need_root
  local config="" id="" node py fw
  while [ $# -gt 0 ]; do
    case "$1" in
      --id) id=${2:-}; shift 2 ;;
      *) [ -z "$config" ] || die "usage: lab.sh up CONFIG.json [--id ID]"; config=$1; shift ;;
    esac
  done
  [ -n "$config" ] || die "usage: lab.sh up CONFIG.json [--id ID]"
  [ -f "$config" ] || die "no such config file: $config"
  node=$(node_bin)
  py=$(python_bin)
  fw=$(firewall_tool)
  command -v iptables >/dev/null 2>&1 || die "iptables not found (Debian package iptables)"
  if [ -z "$id" ]; then id=$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n'); fi
  valid_id "$id"

  local plan
  plan=$("$node" "$LAB_DIR/plan.mjs" "$config") || die "invalid config $config"

  NSC="stg-c-$id"
  NSS="stg-s-$id"
  STATE="/tmp/stg-lab-$id"
  if ns_exists "$NSC" || ns_exists "$NSS" || [ -e "$STATE" ]; then
    die "lab $id already exists (lab.sh down $id first)"
  fi
  # From here on, any failure tears the half-built lab down.
  UP_ID=$id
  trap on_up_exit EXIT
  mkdir -p "$STATE"
  cp "$config" "$STATE/config.json"
  printf '%s\n' "$plan" >"$STATE/plan"
  : >"$STATE/pids"

  ip netns add "$NSC"
  ip netns add "$NSS"
  local ns
  for ns in "$NSC" "$NSS"; do
    ip -n "$ns" link set lo up
    # No duplicate address detection: addresses are usable at once (each also gets nodad).
    ip netns exec "$ns" sh -c 'echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad; echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad'
  done
  ip link add veth-c netns "$NSC" type veth peer name veth-s netns "$NSS"
  ip -n "$NSC" addr add "$LINK4_C/24" dev veth-c
  ip -n "$NSC" addr add "$LINK6_C/64" dev veth-c nodad
  ip -n "$NSS" addr add "$LINK4_S/24" dev veth-s
  ip -n "$NSS" addr add "$DNS4/24" dev veth-s
  ip -n "$NSS" addr add "$LINK6_S/64" dev veth-s nodad
  ip -n "$NSS" addr add "$DNS6/64" dev veth-s nodad
  ip -n "$NSC" link set veth-c up
  ip -n "$NSS" link set veth-s up
  # An explicit source keeps the extra client addresses (clientAddresses) from becoming the
  # default source: they are only used when a client binds them.
  ip -n "$NSC" route add default via "$LINK4_S" dev veth-c src "$LINK4_C"
  ip -n "$NSC" -6 route add default via "$LINK6_S" dev veth-c src "$LINK6_C"
  ip -n "$NSS" route add default via "$LINK4_C" dev veth-s
  ip -n "$NSS" -6 route add default via "$LINK6_C" dev veth-s

  local kind family address behaviour delay queue port=8080
  local servers=() queues=() clients=()
  if [ "$fw" = nft ]; then
    # Priority 10: after iptables' mangle/filter hooks, so a delayed packet is delayed first.
    ip netns exec "$NSS" nft -f - <<EOF
table inet stg {
  chain input { type filter hook input priority 10; policy accept; }
}
EOF
  fi
  while read -r kind family address behaviour delay queue; do
    case "$kind" in
      port) port=$family ;;
      client)
        if [ "$family" = 4 ]; then
          ip -n "$NSC" addr add "$address/32" dev veth-c
        else
          ip -n "$NSC" addr add "$address/128" dev veth-c nodad
        fi
        clients+=("$address")
        ;;
      server)
        if [ "$family" = 4 ]; then
          ip -n "$NSS" addr add "$address/32" dev veth-s
        else
          ip -n "$NSS" addr add "$address/128" dev veth-s nodad
        fi
        servers+=("$address")
        if [ "$delay" -gt 0 ]; then queues+=("$queue:$delay"); fi
        local match ipt
        if [ "$family" = 4 ]; then match="ip daddr $address"; ipt=iptables; else match="ip6 daddr $address"; ipt=ip6tables; fi
        case "$behaviour" in
          ok) ;;
          drop)
            if [ "$fw" = nft ]; then
              ip netns exec "$NSS" nft add rule inet stg input "$match" meta l4proto tcp drop
            else
              ip netns exec "$NSS" "$ipt" -w 5 -A INPUT -d "$address" -p tcp -j DROP
            fi
            ;;
          reset)
            if [ "$fw" = nft ]; then
              ip netns exec "$NSS" nft add rule inet stg input "$match" meta l4proto tcp reject with tcp reset
            else
              ip netns exec "$NSS" "$ipt" -w 5 -A INPUT -d "$address" -p tcp -j REJECT --reject-with tcp-reset
            fi
            ;;
        esac
        ;;
    esac
  done <<<"$plan"

  # The delayer must listen before its NFQUEUE rules exist: a queue nobody reads drops packets.
  if [ ${#queues[@]} -gt 0 ]; then
    start_bg "$NSS" "$STATE/nfq-delay.log" "$py" "$LAB_DIR/nfq-delay.py" "${queues[@]}"
    while read -r kind family address behaviour delay queue; do
      if [ "$kind" = server ] && [ "$delay" -gt 0 ]; then
        if [ "$family" = 4 ]; then ipt=iptables; else ipt=ip6tables; fi
        # mangle PREROUTING runs before every filter hook, so drop/reset apply after the delay.
        ip netns exec "$NSS" "$ipt" -w 5 -t mangle -A PREROUTING -d "$address" -p tcp -j NFQUEUE --queue-num "$queue"
      fi
    done <<<"$plan"
  fi

  start_bg "$NSS" "$STATE/dns.log" "$node" "$LAB_DIR/dns-server.mjs" "$STATE/config.json" "$DNS4" "$DNS6"
  if [ ${#servers[@]} -gt 0 ]; then
    start_bg "$NSS" "$STATE/echo.log" "$node" "$LAB_DIR/echo-server.mjs" "$port" "${servers[@]}"
  fi

  mkdir -p "/etc/netns/$NSC"
  printf 'nameserver %s\nnameserver %s\noptions timeout:1 attempts:1\n' "$DNS4" "$DNS6" >"/etc/netns/$NSC/resolv.conf"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"/etc/netns/$NSC/hosts"

  local info
  info=$(printf '{"id":"%s","clientNamespace":"%s","serverNamespace":"%s","dnsServers":["%s","%s"],"stateDir":"%s","port":%s,"serverAddresses":%s,"clientAddresses":%s,"clientLinkAddresses":["%s","%s"]}' \
    "$id" "$NSC" "$NSS" "$DNS4" "$DNS6" "$STATE" "$port" \
    "$(json_list "${servers[@]+"${servers[@]}"}")" "$(json_list "${clients[@]+"${clients[@]}"}")" "$LINK4_C" "$LINK6_C")
  printf '%s\n' "$info" >"$STATE/info.json"
  echo "$id" >"$LAST_FILE"
  trap - EXIT
  printf '%s\n' "$info"
}

cmd_check() {
  local problems=() tmpns="stg-chk-$$" py node fw
  ok() { printf 'ok    %s\n' "$*"; }
  bad() { printf 'FAIL  %s\n' "$*"; problems+=("$*"); }

  if [ "$(id -u)" -eq 0 ]; then ok "running as root"; else bad "not root (the lab needs root)"; fi
  if command -v ip >/dev/null 2>&1; then ok "ip: $(ip -V 2>&1)"; else bad "ip not found (Debian package iproute2)"; fi
  if node=$(command -v node); then ok "node: $("$node" --version)"; else bad "node not found"; fi
  if py=$(command -v python3); then ok "python3: $("$py" --version 2>&1)"; else bad "python3 not found"; fi
  if command -v iptables >/dev/null 2>&1 && command -v ip6tables >/dev/null 2>&1; then
    ok "iptables: $(iptables --version 2>&1)"
  else
    bad "iptables/ip6tables not found (Debian package iptables)"
  fi
  if command -v nft >/dev/null 2>&1; then ok "nft: $(nft --version 2>&1)"; else ok "nft not found: drop/reset use iptables"; fi
  if [ -d /etc/netns ] || mkdir -p /etc/netns 2>/dev/null; then ok "/etc/netns is writable"; else bad "cannot create /etc/netns"; fi

  if [ ${#problems[@]} -eq 0 ]; then
    # Try the real thing in a throwaway namespace: veth, nodad IPv6, NFQUEUE rules, a queue bind.
    if ip netns add "$tmpns" 2>/dev/null; then
      if ip link add chk-a netns "$tmpns" type veth peer name chk-b netns "$tmpns" 2>/dev/null &&
        ip -n "$tmpns" addr add 2001:db8:ff::1/64 dev chk-a nodad 2>/dev/null; then
        ok "veth pair and IPv6 (nodad) in a namespace"
      else
        bad "cannot create a veth pair with IPv6 in a namespace"
      fi
      if ip netns exec "$tmpns" iptables -w 5 -t mangle -A PREROUTING -d 198.18.0.1 -p tcp -j NFQUEUE --queue-num 7 2>/dev/null &&
        ip netns exec "$tmpns" ip6tables -w 5 -t mangle -A PREROUTING -d 2001:db8::1 -p tcp -j NFQUEUE --queue-num 7 2>/dev/null; then
        ok "iptables/ip6tables NFQUEUE rules"
      else
        bad "cannot add an NFQUEUE rule with iptables/ip6tables (kernel lacks xt_NFQUEUE or nf_tables compat?)"
      fi
      if [ "$(firewall_tool)" = nft ]; then
        if ip netns exec "$tmpns" nft -f - 2>/dev/null <<EOF
table inet stgchk {
  chain input { type filter hook input priority 10; policy accept;
    ip daddr 198.18.0.1 meta l4proto tcp reject with tcp reset
    ip6 daddr 2001:db8::1 meta l4proto tcp drop
  }
}
EOF
        then ok "nft drop and reject with tcp reset"; else bad "nft cannot add drop/reject rules"; fi
      else
        if ip netns exec "$tmpns" iptables -w 5 -A INPUT -d 198.18.0.1 -p tcp -j REJECT --reject-with tcp-reset 2>/dev/null; then
          ok "iptables drop and reject with tcp-reset"
        else
          bad "iptables cannot add a REJECT --reject-with tcp-reset rule"
        fi
      fi
      if [ -n "${py:-}" ] && ip netns exec "$tmpns" "$py" "$LAB_DIR/nfq-delay.py" --probe 7 2>/dev/null; then
        ok "nfnetlink_queue: nfq-delay.py can bind a queue"
      else
        bad "nfq-delay.py cannot bind an NFQUEUE (kernel lacks nfnetlink_queue?)"
      fi
      ip netns del "$tmpns" 2>/dev/null || true
    else
      bad "cannot create a network namespace"
    fi
  fi

  if [ ${#problems[@]} -eq 0 ]; then
    echo "available"
    return 0
  fi
  local joined="" p
  for p in "${problems[@]}"; do joined="${joined:+$joined; }$p"; done
  echo "unavailable: $joined"
  return 1
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  down-all) cmd_down_all ;;
  list) cmd_list ;;
  check) cmd_check ;;
  *)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
