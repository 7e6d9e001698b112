# Sourced by the array scripts: checks that this is task K of an array 0-(N-1) and sets K, N, threads and the zspk command.
# ZSPK names the zspk command (default: zspk on PATH; e.g. "dotnet /opt/zspk/zspk.dll"); submit.sh sets it.
: "${SLURM_ARRAY_TASK_ID:?not an array task; submit with sbatch --array=0-(N-1) (see environment/slurm/README.md)}"
if [ "${SLURM_ARRAY_TASK_MIN:-0}" -ne 0 ] || [ "${SLURM_ARRAY_TASK_COUNT:-0}" -ne $(( ${SLURM_ARRAY_TASK_MAX:-0} + 1 )) ]; then
  echo "zspk shard: the array must be --array=0-(N-1) without gaps (got min ${SLURM_ARRAY_TASK_MIN:-?}, max ${SLURM_ARRAY_TASK_MAX:-?}, count ${SLURM_ARRAY_TASK_COUNT:-?})" >&2
  exit 2
fi
K=$SLURM_ARRAY_TASK_ID
N=$SLURM_ARRAY_TASK_COUNT
# One zspk thread per core Slurm gave the task.
THREADS=${SLURM_CPUS_PER_TASK:-1}
read -r -a ZSPK_CMD <<< "${ZSPK:-zspk}"
echo "zspk shard $K/$N on $(hostname -s) with $THREADS thread(s), job ${SLURM_ARRAY_JOB_ID:-?}_$K"
