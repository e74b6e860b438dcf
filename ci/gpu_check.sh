#!/usr/bin/env bash
# Accelerator check (not part of CI): run on a machine with a GPU and JAX's CUDA plugin installed.
# 1) the sharded Monte Carlo path on the accelerator gives the same estimate as the CPU,
# 2) Monte Carlo throughput of the CNN sample loss on the GPU (bench cnn-mc),
# 3) the chapter-5 verdicts on the GPU match the registry (float64 on the accelerator).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/gpu-check}; mkdir -p "$OUT"
python3 - <<'PY'
import jax, jax.numpy as jnp
import verify
from verify import mc
print("devices:", jax.devices())
def s(key, p):
    z = jax.random.normal(key, (3,))
    return jnp.maximum(z @ p, 0.0) ** 2
p = jnp.array([0.2, 0.3, 0.9])
e_gpu = mc.estimate(s, jax.random.key(7), p, 1_000_000)
cpu = jax.devices("cpu")
with jax.default_device(cpu[0]):
    e_cpu = mc.estimate(s, jax.random.key(7), jax.device_put(p, cpu[0]), 1_000_000, devices=cpu)
print("gpu", float(e_gpu.mean), float(e_gpu.se), "cpu", float(e_cpu.mean), float(e_cpu.se),
      "closed form", float(jnp.dot(p, p) / 2))
PY
python3 -m verify bench cnn-mc 2>&1 | tee "$OUT/bench_gpu.txt"
python3 -m verify all --chapter 5 --profile quick --json > "$OUT/ch5_gpu.jsonl" 2> "$OUT/ch5_gpu.err"
echo "verify all --chapter 5 exit code $?"
python3 - "$OUT/ch5_gpu.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
bad = [(r["id"], r["verdict"], r["expect"]) for r in rows if not r["matches_expectation"]]
print(f"{len(rows)} chapter-5 checks on the GPU, {len(bad)} not as expected: {bad}")
print("slowest:", sorted(((round(r["evidence"]["wall_s"], 1), r["id"]) for r in rows), reverse=True)[:6])
PY
tail -3 "$OUT/ch5_gpu.err"
