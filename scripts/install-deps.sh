#!/bin/bash
# Install the Debian 12 packages hpclaunch needs to build, test and run its
# loopback dev cluster.  Does nothing when they are all present.
set -euo pipefail

packages=(
    build-essential autoconf automake libtool pkg-config g++ perl
    libhwloc-dev hwloc libslurm-dev libcmocka-dev libcurl4-openssl-dev
    libjansson-dev libinih-dev openmpi-bin libopenmpi-dev libpmix-dev
    slurmctld slurmd slurmrestd slurm-client slurm-wlm-jwt-plugin munge
    mariadb-server slurmdbd openssh-server openssh-client rsync
    man-db groff-base groff curl procps iproute2 util-linux python3
    strace   # tests/live/cli_secrets.sh: argv and environment of each exec
    gfortran python3-mpi4py clang libomp-dev
    # libFuzzer and the sanitizers for tests/fuzz: clang only recommends them
    libclang-rt-14-dev
    debootstrap
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root or:" >&2
    echo "  sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Debian's slurm and munge packages try to start their services; there is
# no init system here and the dev cluster runs its own daemons anyway.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
