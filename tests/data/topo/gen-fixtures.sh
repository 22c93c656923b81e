#!/bin/sh
# Regenerate the topology fixtures of this folder (the XML files are
# committed; run this only to change them).
#
# hwloc can neither invent PCI/OS devices in a synthetic topology nor add
# them through its API, so each fixture is made in two steps:
#   1. lstopo exports an hwloc synthetic topology (CPUs, caches, NUMA) as
#      XML;
#   2. the PCI devices and their OS devices written below are inserted as
#      children of a package, right after that package's NUMA node.
# The result must load with `lstopo --if xml -i FILE` with no warning.
#
# Needs lstopo-no-graphics (Debian package hwloc-nox) and awk.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# pci BUSID CLASS VENDOR:DEVICE -- open a PCI device element.
pci() {
    printf '<object type="PCIDev" pci_busid="%s" pci_type="%s [%s] [%s] 00" pci_link_speed="0.000000">\n' \
        "$1" "$2" "$3" "$3"
}
# osdev NAME TYPE [SUBTYPE] -- open an OS device (TYPE: 1 GPU, 2 network,
# 3 OpenFabrics, 5 co-processor).
osdev() {
    if [ $# -ge 3 ]; then
        printf '<object type="OSDev" name="%s" subtype="%s" osdev_type="%s">\n' "$1" "$3" "$2"
    else
        printf '<object type="OSDev" name="%s" osdev_type="%s">\n' "$1" "$2"
    fi
}
info() { printf '<info name="%s" value="%s"/>\n' "$1" "$2"; }
end() { echo '</object>'; }

# make NAME "SYNTHETIC DESCRIPTION": export, then insert $tmp/io.N after
# the NUMA node with OS index N.
make() {
    lstopo-no-graphics -i "$2" --of xml - |
        grep -v '"ProcessName"\|"hwlocVersion"' > "$tmp/base.xml"
    awk -v dir="$tmp" '
        { print }
        /<object type="NUMANode" os_index="/ && !/\/>$/ {
            match($0, /os_index="[0-9]+"/)
            numa = substr($0, RSTART + 10, RLENGTH - 11)
            match($0, /^ */); indent = substr($0, 1, RLENGTH); next
        }
        numa != "" && $0 == indent "</object>" {
            f = dir "/io." numa
            while ((getline line < f) > 0) print indent line
            close(f); numa = ""
        }' "$tmp/base.xml" > "$1"
    rm -f "$tmp"/io.*
    lstopo-no-graphics --if xml -i "$1" --of console > /dev/null
}

# gpu-edge-cases.xml: two packages of 8 SMT2 cores.  Package 0: an ASPEED
# BMC VGA (not a GPU), an A100 named by 3 OS devices (one GPU), a 3D
# device with no vendor information and an OpenCL device without
# subtype or info (a GPU of unknown vendor), a display device with no
# vendor and no OS device (not a GPU), an Ethernet port (not a NIC).
# Package 1: a V100 seen only as a PCI device, a Matrox VGA (not a GPU),
# a ConnectX-5 (mlx5_0 + ib0: one NIC), an Intel Max GPU (ze0).
{
    pci 0000:02:00.0 0300 1a03:2000; osdev card0 1; end; end
    pci 0000:17:00.0 0302 10de:20b0
    osdev opencl0d0 5 OpenCL; info GPUVendor "NVIDIA Corporation"
    info GPUModel "NVIDIA A100-SXM4-40GB"; end
    osdev cuda0 5 CUDA; info GPUVendor "NVIDIA Corporation"; end
    osdev nvml0 1 NVML; info GPUModel "NVIDIA A100-SXM4-40GB"; end
    end
    pci 0000:2a:00.0 0302 0000:0000; osdev opencl0d1 5; end; end
    pci 0000:2b:00.0 0380 0000:0000; end
    pci 0000:03:00.0 0200 8086:1521; osdev eth0 2; end; end
} > "$tmp/io.0"
{
    pci 0000:b1:00.0 0302 10de:1db1; end
    pci 0000:c2:00.0 0300 102b:0522; end
    pci 0000:c4:00.0 0207 15b3:1017; osdev ib0 2; end
    osdev mlx5_0 3; info Port1State 4; end; end
    pci 0000:d9:00.0 0380 8086:0bd5; osdev ze0 5 LevelZero
    info GPUModel "Intel(R) Data Center GPU Max 1550"; end; end
} > "$tmp/io.1"
make gpu-edge-cases.xml "pack:2 [numa] l3:1 core:8 pu:2"

# mi300a-cpx.xml: four MI300A-like packages (24 SMT2 cores each) whose
# GPU is split in CPX mode into 6 partitions, each with its own RSMI OS
# device under the one PCI function; one Slingshot-like hsiN per package.
for p in 0 1 2 3; do
    {
        pci "$(printf '0000:%02x:00.0' $((2 + 32 * p)))" 0380 1002:74a0
        for k in 0 1 2 3 4 5; do
            osdev "rsmi$((6 * p + k))" 1 RSMI; info GPUVendor AMD
            info GPUModel "AMD Instinct MI300A"; end
        done
        end
        pci "$(printf '0000:%02x:00.0' $((5 + 32 * p)))" 0200 17db:0501
        osdev "hsi$p" 2; end; end
    } > "$tmp/io.$p"
done
make mi300a-cpx.xml "pack:4 [numa] l3:3 core:8 pu:2"
