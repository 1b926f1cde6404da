#!/usr/bin/env bash
# A one-node SLURM cluster on this host, for the end-to-end test of `convergent slurm`
# (test/cluster/slurm-e2e.test.ts) and for trying the generated scripts by hand. Run as root; it
# installs nothing (CI installs Debian's `slurm-wlm` and `munge`).
#
# Everything lives under $CONVERGENT_SLURM_DIR (default /var/spool/convergent-slurm): its own
# munge key, socket and daemon, its own slurm.conf, spool directories, ports and cluster name, so
# it cannot clash with a SLURM or munge already on the machine (slurmctld refuses a state
# directory that holds another cluster's state). Clients find it through SLURM_CONF:
#
#   export SLURM_CONF=/var/spool/convergent-slurm/slurm.conf
#
# Idempotent: with the daemons up it changes nothing and says so. Stop it with stop-one-node.sh.
set -euo pipefail

dir=${CONVERGENT_SLURM_DIR:-/var/spool/convergent-slurm}
conf=$dir/slurm.conf
export SLURM_CONF=$conf

if [[ $(id -u) -ne 0 ]]; then
  echo "start-one-node.sh: run as root (it starts munged, slurmctld and slurmd)" >&2
  exit 1
fi
for tool in munged slurmctld slurmd sinfo; do
  if ! command -v "$tool" >/dev/null; then
    echo "start-one-node.sh: $tool is not installed (apt-get install slurm-wlm munge)" >&2
    exit 1
  fi
done

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

node_state() { sinfo -h -N -o '%T' 2>/dev/null | head -n 1; }

# Up to two minutes: the node registers within seconds, but a small, busy machine may be slow.
wait_idle() {
  local state=''
  for _ in $(seq 1 240); do
    state=$(node_state)
    if [[ $state == idle || $state == mixed || $state == allocated ]]; then
      return 0
    fi
    sleep 0.5
  done
  echo "start-one-node.sh: the node did not become idle (sinfo says '${state:-nothing}'); logs in $dir/log" >&2
  return 1
}

if alive "$dir/run/munged.pid" && alive "$dir/run/slurmctld.pid" && alive "$dir/run/slurmd.pid"; then
  wait_idle
  echo "the one-node cluster is already running (SLURM_CONF=$conf)"
  exit 0
fi

mkdir -p "$dir"/{munge,munge-socket,run,log,ctld,d}
chmod 755 "$dir"

# munge: a random key readable by the munge user alone, and a socket of our own (its folder must
# be open to every user, the key's folder to munge alone).
chown munge: "$dir/munge" "$dir/munge-socket"
chmod 700 "$dir/munge"
chmod 755 "$dir/munge-socket"
if [[ ! -s $dir/munge/munge.key ]]; then
  head -c 1024 /dev/urandom >"$dir/munge/munge.key"
fi
chown munge: "$dir/munge/munge.key"
chmod 400 "$dir/munge/munge.key"
socket=$dir/munge-socket/munge.socket
if ! alive "$dir/run/munged.pid"; then
  # munged runs as the munge user and writes its pid file itself, so that file lives in its folder.
  su -s /bin/sh munge -c "munged --key-file='$dir/munge/munge.key' --socket='$socket' \
    --pid-file='$dir/munge/munged.pid' --log-file='$dir/munge/munged.log' --seed-file='$dir/munge/munged.seed'"
  cp "$dir/munge/munged.pid" "$dir/run/munged.pid"
fi

# slurm.conf for this host: the node line as slurmd measures it, one partition with every node.
# Both daemons are reached at 127.0.0.1, so a host name that DNS or /etc/hosts does not know
# (as in some containers) does not matter.
host=$(hostname -s)
node_line=$(slurmd -C | head -n 1)
cat >"$conf" <<CONF
ClusterName=convergent-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=6917
SlurmdPort=6918
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
# Finished jobs stay visible to scontrol for an hour (there is no accounting database for sacct).
MinJobAge=3600
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/d
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

alive "$dir/run/slurmctld.pid" || slurmctld -f "$conf"
alive "$dir/run/slurmd.pid" || slurmd -f "$conf"
wait_idle
echo "the one-node cluster is up: node $host, partition debug (export SLURM_CONF=$conf)"
