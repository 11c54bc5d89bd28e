#!/usr/bin/env bash
# Installs what Lathe's tests need on Debian/Ubuntu (README and .ci/run call this). Idempotent.
# Later areas add their parts here (podman + runc, python3-sklearn, postgresql).
set -euo pipefail

# Jupyter for the notebook tests (Debian's jupyter-server 1.23 + ipykernel 6.17; no PyPI here), nbformat to validate
# saved notebooks, matplotlib for rich outputs; zstd for .tar.zst env archives; scikit-learn, pandas and numpy for
# the training jobs the job tests run; podman, runc and busybox-static for container jobs (dockerode talks to
# podman's Docker-compatible API; the test image is a busybox rootfs made with `podman import`); openssh-server
# and a docker client for the remote-engine test (dockerode runs `docker system dial-stdio` over SSH); openssl makes
# the certificates of the TLS engine test.
need=(chromium git python3 make g++ jupyter-server python3-ipykernel python3-nbformat python3-matplotlib zstd tar python3-sklearn python3-pandas python3-numpy podman runc busybox-static openssh-server openssl)
command -v docker >/dev/null || need+=(docker.io)
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
if ! command -v apt-get >/dev/null; then
  echo "setup: this script installs Debian packages with apt-get; on other systems install: ${need[*]}" >&2
  exit 1
fi

missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# podman's default runtime (crun) fails on these machines (cgroups in hybrid mode, setrlimit); runc with low
# default ulimits works. An existing containers.conf is left alone and reported.
conf=/etc/containers/containers.conf
if [ ! -e "$conf" ]; then
  $SUDO mkdir -p /etc/containers
  printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]\n\n[engine]\nruntime = "runc"\n' | $SUDO tee "$conf" >/dev/null
  echo "setup: wrote $conf (runtime runc)"
elif ! grep -q 'runtime *= *"runc"' "$conf"; then
  echo "setup: note: $conf exists without runtime = \"runc\"; if podman fails to start containers, set it" >&2
fi

# Chromium refuses to run some features as root without these; the e2e config passes the flags itself.
command -v chromium >/dev/null || { echo "setup: chromium did not install" >&2; exit 1; }
echo "setup: ok ($(chromium --version 2>/dev/null | head -1))"
