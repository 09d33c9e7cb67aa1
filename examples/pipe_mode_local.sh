#!/usr/bin/env bash
# A Pipe-mode training job run end to end on one machine, the way SageMaker runs one. In Pipe mode
# the platform streams a channel's S3 objects, once per epoch, into a FIFO input/data/<channel>_<N>;
# here `chanload pipe-feed` plays the platform's part, so a training program can be tried in Pipe
# mode before it is sent. The steps:
#   1. a job tree whose channel "train" is in Pipe mode (CSV, label first), with 3 epochs;
#   2. the channel's objects, as S3 would hold them: gzip-compressed CSV of y = 3a - 2b + 1;
#   3. chanload pipe-feed writes the objects into train_0, train_1, train_2, one FIFO per epoch;
#   4. the training program runs as the container runs it: SAGEMAKER_BASE_DIR and the SM_*
#      variables set, no arguments, reading the FIFOs through chanload's loader.
#
#   examples/pipe_mode_local.sh [WORK_DIR] [-- TRAINING COMMAND...]
# Default WORK_DIR: a new temporary folder, removed at the end. Default command: python3 examples/python/train_linear.py.
# Needs `chanload` on PATH (pip install chanload) or CHANLOAD=/path/to/chanload.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work=""
if [[ $# -gt 0 && "$1" != "--" ]]; then
  work="$1"
  shift
fi
made_work=false
if [[ -z "$work" ]]; then
  work="$(mktemp -d)"
  made_work=true
fi
feeder=""
# At exit: the feeder goes with the script, and a temporary WORK_DIR with it (a named one stays).
cleanup() {
  if [[ -n "$feeder" ]]; then { kill "$feeder" && wait "$feeder"; } 2>/dev/null || true; fi
  if $made_work; then rm -rf "$work"; fi
}
trap cleanup EXIT
[[ "${1:-}" == "--" ]] && shift
if [[ $# -eq 0 ]]; then
  set -- "${PYTHON:-python3}" "$here/python/train_linear.py"
fi
chanload="${CHANLOAD:-chanload}"
job="$work/job"
objects="$work/s3/train"
epochs=3

# 1. The job tree (what SageMaker writes under /opt/ml/input/config).
rm -rf "$job" "$objects"
mkdir -p "$job/input/config" "$job/input/data" "$job/model" "$objects"
echo "{\"epochs\": \"$epochs\"}" > "$job/input/config/hyperparameters.json"
echo '{"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "eth0"}' \
  > "$job/input/config/resourceconfig.json"
cat > "$job/input/config/inputdataconfig.json" <<'JSON'
{"train": {"ContentType": "text/csv;label_size=1", "TrainingInputMode": "Pipe",
           "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}}
JSON

# 2. The objects: 2 x 5000 rows, gzip-compressed (the loader detects gzip from the bytes).
for part in 0 1; do
  awk -v seed="$part" 'BEGIN { srand(seed + 7); for (i = 0; i < 5000; i++) { a = rand(); b = rand();
    printf "%.6f,%.6f,%.6f\n", 3 * a - 2 * b + 1, a, b } }' | gzip > "$objects/part-$part.csv.gz"
done

# 3. The platform's part: one FIFO per epoch, the objects written into each in order.
"$chanload" pipe-feed --root "$job" --channel train --epochs "$epochs" --timeout 60 "$objects"/part-*.csv.gz &
feeder=$!

# 4. The training program, as the toolkit starts it.
export SAGEMAKER_BASE_DIR="$job"
variables="$("$chanload" env --root "$job" --format env)"  # a failure here stops the script (set -e)
set -a
eval "$variables"
set +a
echo "pipe_mode_local: running '$*' on $job (train: Pipe mode, $epochs epochs)"
"$@"
wait "$feeder"
feeder=""
echo "pipe_mode_local: the job read every epoch's FIFO; the feeder finished cleanly"
