#!/usr/bin/env bash
# Stops the one-node cluster of start-one-node.sh (slurmd, slurmctld, munged); its files stay
# under $CONVERGENT_SLURM_DIR for the next start. A daemon that is not running is skipped.
set -euo pipefail

dir=${CONVERGENT_SLURM_DIR:-/var/spool/convergent-slurm}

stop() {
  local name=$1 pidfile=$dir/run/$1.pid pid
  [[ -f $pidfile ]] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "stop-one-node.sh: $name (pid $pid) did not stop" >&2
      return 1
    fi
  fi
  rm -f "$pidfile"
}

stop slurmd
stop slurmctld
stop munged
echo "the one-node cluster is stopped"
