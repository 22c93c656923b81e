#!/usr/bin/env python3
"""The library's architecture, checked: lib/ is layered by folder, and

1. no file-level cycle among the library's objects: file A uses file B
   when A's object refers to a symbol B's object defines (nm), and that
   graph must have no cycle;
2. dependencies point down only: a file may use (by symbol) and include
   (by #include "...") only files of its own layer or of a layer it is
   allowed to depend on (LAYERS below).

Usage: check-layers.py SRCDIR OBJDIR   (OBJDIR: the library's objects)
Prints TAP.
"""
import os
import re
import subprocess
import sys

# Each layer, the folder it lives in, and the layers it may use.
LAYERS = {
    "core": ("lib/core", []),
    "conf": ("lib/conf", ["core"]),
    "topo": ("lib/topo", ["core"]),
    "place": ("lib/place", ["core", "topo"]),
    "backend": ("lib/backend", ["core", "conf"]),
    "slurm": ("lib/backend/slurm", ["core", "conf", "backend"]),
    "rest": ("lib/backend/rest", ["core", "conf", "backend"]),
    "registry": ("lib/registry", ["core", "conf", "backend", "slurm",
                                  "rest"]),
    "job": ("lib/job", ["core", "conf", "backend", "registry"]),
    "stage": ("lib/stage", ["core", "conf", "job"]),
    "submit": ("lib/submit", ["core", "conf", "backend", "registry", "job",
                              "stage"]),
    "ctx": ("lib", ["core", "conf", "topo", "place", "backend", "slurm",
                    "rest", "registry", "job", "stage", "submit"]),
}


def layer_of(path):
    """The layer of a file under lib/, by its folder (deepest match)."""
    folder = os.path.dirname(path)
    for name, (where, _) in LAYERS.items():
        if folder == where:
            return name
    return None


def sources(srcdir):
    out = []
    for root, _, files in os.walk(os.path.join(srcdir, "lib")):
        for f in files:
            if f.endswith((".c", ".h")):
                out.append(os.path.relpath(os.path.join(root, f), srcdir))
    return sorted(out)


def nm(obj, defined):
    args = ["nm", "--defined-only" if defined else "--undefined-only", obj]
    res = subprocess.run(args, capture_output=True, text=True, check=True)
    syms = set()
    for line in res.stdout.splitlines():
        parts = line.split()
        if not parts:
            continue
        if defined and len(parts) == 3 and parts[1] in "TDBRCGSVW":
            syms.add(parts[2])
        elif not defined:
            syms.add(parts[-1])
    return syms


def object_graph(objdir, srcs):
    """file -> set of files it uses, from the objects' symbols.  OBJDIR is
    the build's lib/: libtool puts each source's PIC object in .libs/ of
    the source's folder."""
    objs = {}
    for src in srcs:
        if not src.endswith(".c"):
            continue
        folder = os.path.relpath(os.path.dirname(src), "lib")
        obj = os.path.join(objdir, folder, ".libs", "libhpclaunch_la-" +
                           os.path.basename(src)[:-2] + ".o")
        if os.path.exists(obj):
            objs[src] = obj
    defined = {}
    for src, obj in objs.items():
        for sym in nm(obj, True):
            defined[sym] = src
    graph = {}
    for src, obj in objs.items():
        graph[src] = {defined[s] for s in nm(obj, False)
                      if s in defined and defined[s] != src}
    return graph, len(objs)


def cycles(graph):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, comps, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


def includes(srcdir, src):
    """The project headers src includes, as paths under srcdir: a quoted
    name is looked for beside src first, then under lib/ (-I lib)."""
    out = []
    with open(os.path.join(srcdir, src), encoding="utf-8") as f:
        for line in f:
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m or m.group(1) == "config.h":
                continue
            near = os.path.normpath(os.path.join(os.path.dirname(src),
                                                 m.group(1)))
            if os.path.exists(os.path.join(srcdir, near)):
                out.append(near)
            else:
                out.append(os.path.normpath(os.path.join("lib", m.group(1))))
    return out


def allowed(a, b):
    la, lb = layer_of(a), layer_of(b)
    return la == lb or lb in LAYERS[la][1]


def main():
    srcdir, objdir = sys.argv[1], sys.argv[2]
    srcs = sources(srcdir)
    tests = []
    unplaced = [s for s in srcs if layer_of(s) is None]
    tests.append(("every library file lives in a layer's folder", unplaced))
    graph, nobj = object_graph(objdir, srcs)
    comps = cycles(graph)
    tests.append(("no file-level cycle among the library's %d objects" % nobj,
                  [" -> ".join(c) for c in comps]))
    bad_use = ["%s uses %s" % (a, b) for a in sorted(graph)
               for b in sorted(graph[a])
               if layer_of(a) and layer_of(b) and not allowed(a, b)]
    tests.append(("symbols are used only from the same or a lower layer",
                  bad_use))
    bad_inc = []
    for s in srcs:
        for h in includes(srcdir, s):
            if not os.path.exists(os.path.join(srcdir, h)):
                bad_inc.append("%s includes %s, which is not there" % (s, h))
            elif layer_of(s) and layer_of(h) and not allowed(s, h):
                bad_inc.append("%s includes %s" % (s, h))
    tests.append(("headers are included only from the same or a higher layer",
                  bad_inc))
    failed = 0
    print("1..%d" % len(tests))
    for i, (name, problems) in enumerate(tests, 1):
        if problems:
            failed += 1
            print("not ok %d - %s" % (i, name))
            for p in problems:
                print("# %s" % p)
        else:
            print("ok %d - %s" % (i, name))
    edges = sum(len(v) for v in graph.values())
    print("# %d objects, %d file-to-file uses, %d files in cycles" %
          (nobj, edges, sum(len(c) for c in comps)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
