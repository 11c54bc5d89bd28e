#!/usr/bin/env bash
# GPU checks for the jobs feature, run on a machine with an NVIDIA GPU (the `device` tool lends one to some tasks;
# CI has none). Writes to $OUT (default ./gpu-check-out):
#   nvidia-smi-index-uuid.csv   what Lathe's GPU probe parses (jobUtil.parseGpuList)
#   nvidia-smi-util-*.csv       what the system sampler parses, idle and under load (systemSampler.parseGpuSamples)
#   cuda-visible-devices.txt    how many GPUs PyTorch sees with CUDA_VISIBLE_DEVICES as Lathe sets it (index or UUID)
#   metrics.jsonl, train.log    a PyTorch training loop on the GPU logging through Lathe's Python client, with the
#                               loss read on the loop's thread and handed over as a tensor (the client reads it later)
set -euo pipefail
OUT=${OUT:-$PWD/gpu-check-out}
mkdir -p "$OUT"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
nvidia-smi --query-gpu=index,uuid --format=csv,noheader > "$OUT/nvidia-smi-index-uuid.csv"
nvidia-smi --query-gpu=index,uuid,utilization.gpu,memory.used --format=csv,noheader,nounits > "$OUT/nvidia-smi-util-idle.csv"
uuid=$(head -1 "$OUT/nvidia-smi-index-uuid.csv" | cut -d, -f2 | tr -d ' ')
{
  echo "index: $(CUDA_VISIBLE_DEVICES=0 python3 -c 'import torch; print(torch.cuda.device_count())')"
  echo "uuid: $(CUDA_VISIBLE_DEVICES=$uuid python3 -c 'import torch; print(torch.cuda.device_count())')"
  echo "none: $(CUDA_VISIBLE_DEVICES= python3 -c 'import torch; print(torch.cuda.device_count())')"
} > "$OUT/cuda-visible-devices.txt"
run=$(mktemp -d)
CUDA_VISIBLE_DEVICES=0 LATHE_RUN_DIR=$run LATHE_PARAMS='{"steps": 2000}' PYTHONPATH="$root/resources/python" PYTHONUNBUFFERED=1 \
  python3 "$here/gpu_train.py" > "$OUT/train.log" 2>&1 &
pid=$!
sleep 4
nvidia-smi --query-gpu=index,uuid,utilization.gpu,memory.used --format=csv,noheader,nounits > "$OUT/nvidia-smi-util-busy.csv"
wait $pid
cp "$run/metrics.jsonl" "$OUT/metrics.jsonl"
echo "gpu check done"
