#!/usr/bin/env python3
"""Seed inputs for the fuzz harnesses from the project's own fixtures.

    seeds.py SRCDIR OUTDIR

writes OUTDIR/rest, OUTDIR/topo_xml and OUTDIR/cli_json: the recorded
slurmrestd replies of tests/data/rest (every API version) with the
harness's header (tests/fuzz/fuzz_rest.c), probe views merged from each
version's partitions, nodes, diag and jobs replies, and the hwloc XML of
tests/data/topo with a plan shape byte (fuzz_topo_xml.c), without the
indentation between elements (a tenth of the bytes every execution
parses).  The small hand-made seeds and the regression inputs stay in
tests/fuzz/corpus.
"""
import json
import os
import re
import sys

EP_SUBMIT, EP_JOB, EP_JOBS, EP_PROBE, EP_ERRORS = range(5)
VERSIONS = {"": 0, "v0.0.40": 1, "v0.0.41": 2, "v0.0.42": 3, "dbv0.0.38": 0}


def endpoint(name):
    for prefix, ep in (("submit", EP_SUBMIT), ("jobs", EP_JOBS),
                       ("job", EP_JOB), ("partitions", EP_PROBE),
                       ("nodes", EP_PROBE), ("diag", EP_PROBE)):
        if name.startswith(prefix):
            return ep
    return EP_ERRORS


def header(ep, version, nodes=1, tasks=1, cpt=1, gpt=0, flags=0):
    return bytes([ep | version << 3, nodes, tasks, cpt, gpt, flags])


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    src, out = sys.argv[1], sys.argv[2]
    rest = os.path.join(src, "tests", "data", "rest")
    for sub in ("rest", "topo_xml", "cli_json"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    for vdir in sorted(VERSIONS):
        d = os.path.join(rest, vdir)
        version = VERSIONS[vdir]
        views = {}
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            if (not os.path.isfile(p) or ".request." in name or
                    not name.endswith((".json", ".txt"))):
                continue
            with open(p, "rb") as f:
                body = f.read()
            tag = (vdir or "v0.0.38") + "-" + name
            write(os.path.join(out, "rest", tag),
                  header(endpoint(name), version) + body)
            write(os.path.join(out, "cli_json", tag), body)
            try:
                obj = json.loads(body)
            except ValueError:
                continue
            # The largest reply of each kind goes into the probe's view.
            for key in ("partitions", "nodes", "statistics", "jobs"):
                if isinstance(obj, dict) and key in obj and (
                        key not in views or len(body) > views[key][0]):
                    views[key] = (len(body), obj[key])
        if "partitions" in views and "nodes" in views:
            merged = json.dumps({k: v[1] for k, v in views.items()}).encode()
            tag = (vdir or "v0.0.38") + "-probe"
            write(os.path.join(out, "rest", tag + "-fits"),
                  header(EP_PROBE, version) + merged)
            write(os.path.join(out, "rest", tag + "-waits"),
                  header(EP_PROBE, version, 2, 64, 4, 1, 1) + merged)
    topo = os.path.join(src, "tests", "data", "topo")
    for name in sorted(os.listdir(topo)):
        if name.endswith(".xml"):
            with open(os.path.join(topo, name), "rb") as f:
                xml = re.sub(rb">\s+<", b"><", f.read())
            write(os.path.join(out, "topo_xml", name), bytes([0x0b]) + xml)


if __name__ == "__main__":
    main()
