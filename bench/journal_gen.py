#!/usr/bin/env python3
"""A synthetic journal of N settled jobs (INTENT, SUBMITTED, ENDED each),
in the journal's V1 format, for timing `hpclaunch jobs` on a long journal
(bench/journal.sh).  Written to stdout.
    bench/journal_gen.py N [SITE]        (site: sitea)
"""
import os
import sys
import zlib

n = int(sys.argv[1])
site = sys.argv[2] if len(sys.argv) > 2 else "sitea"
t0 = 1_700_000_000
out = []
for i in range(n):
    key = "hpcl-%032x" % int.from_bytes(os.urandom(16), "big")
    t = t0 + i
    for ev, jid, note in (("INTENT", "-", ""),
                          ("SUBMITTED", str(1000 + i), "cluster=slurm:bench@localhost:6817"),
                          ("ENDED", str(1000 + i), "COMPLETED exit 0")):
        line = "V1 %d %s key=%s site=%s id=%s host=benchhost pid=1 note=%s" % (
            t, ev, key, site, jid, note.replace("%", "%25").replace(" ", "%20"))
        out.append("%s crc=%08x\n" % (line, zlib.crc32(line.encode())))
sys.stdout.write("".join(out))
