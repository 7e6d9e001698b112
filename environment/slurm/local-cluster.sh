#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for the tests and for trying the job scripts:
#   environment/slurm/local-cluster.sh start   generates a munge key and a slurm.conf for this host, starts munged,
#                                              slurmctld and slurmd, and waits until the node is idle
#   environment/slurm/local-cluster.sh stop    cancels its jobs and stops the three daemons it started (by their pid files)
#   environment/slurm/local-cluster.sh env     prints the export line clients need (SLURM_CONF)
# Everything lives under $ZSPK_SLURM_STATE (default /tmp/zspk-slurm): key, config, spool, logs, pid files. The daemons
# listen on ports 16817/16818 and munged on its own socket, so a system Slurm or munge is left alone.
# Needs Debian's slurm-wlm and munge (apt-get install -y slurm-wlm munge) and root (SlurmUser=root, no cgroups:
# ProctrackType=proctrack/linuxproc, TaskPlugin=task/none; containers usually lack the cgroup controllers Slurm wants).
set -euo pipefail
state=${ZSPK_SLURM_STATE:-/tmp/zspk-slurm}
conf=$state/slurm.conf

die() { echo "local-cluster: $*" >&2; exit 1; }
stop_pid() { # the process whose pid the file names, if it is still running
  local f=$1
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

start() {
  for b in munged mungekey slurmctld slurmd sinfo; do command -v $b >/dev/null || die "$b not found; install Debian's slurm-wlm and munge (apt-get install -y slurm-wlm munge)."; done
  [ "$(id -u)" -eq 0 ] || die "start needs root (SlurmUser=root in this test cluster)."
  stop >/dev/null 2>&1 || true
  mkdir -p "$state"/{ctld,spool,log,run}
  chmod 700 "$state"
  # munge: a fresh key for this cluster only
  rm -f "$state/munge.key"
  mungekey --create --keyfile="$state/munge.key" >/dev/null 2>&1 || dd if=/dev/urandom of="$state/munge.key" bs=1 count=1024 status=none
  chmod 400 "$state/munge.key"
  munged --force --key-file="$state/munge.key" --socket="$state/run/munge.socket" --pid-file="$state/run/munged.pid" \
    --log-file="$state/log/munged.log" --seed-file="$state/run/munged.seed" || die "munged did not start (see $state/log/munged.log)."
  local host; host=$(hostname -s)
  # The node as slurmd sees it (CPUs, sockets, memory), so that slurmd accepts its own description.
  local node; node=$(slurmd -C 2>/dev/null | head -n 1)
  [[ $node == NodeName=* ]] || die "slurmd -C did not describe this node."
  cat > "$conf" <<CONF
ClusterName=zspk-local
SlurmctldHost=$host
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$state/run/munge.socket
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
$node State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$conf
  slurmctld -f "$conf" || die "slurmctld did not start (see $state/log/slurmctld.log)."
  slurmd -f "$conf" || die "slurmd did not start (see $state/log/slurmd.log)."
  for _ in $(seq 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qx 'idle'; then
      echo "local-cluster: up (node $host idle; export SLURM_CONF=$conf)"; return 0
    fi
    sleep 1
  done
  sinfo 2>&1 | tail -n 3 >&2 || true
  tail -n 5 "$state/log/slurmctld.log" "$state/log/slurmd.log" >&2 || true
  die "the node did not become idle within 60 s."
}

stop() {
  if [ -f "$conf" ] && [ -f "$state/run/slurmctld.pid" ]; then SLURM_CONF=$conf scancel --user=root >/dev/null 2>&1 || true; fi
  stop_pid "$state/run/slurmd.pid"
  stop_pid "$state/run/slurmctld.pid"
  stop_pid "$state/run/munged.pid"
  echo "local-cluster: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *) die "usage: local-cluster.sh start|stop|env" ;;
esac
