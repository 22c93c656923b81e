#!/usr/bin/env python3
"""Check hpclaunch --json documents against doc/hpclaunch-json.schema.json.

usage: check-json.py SCHEMA [FILE...]     (no FILE: standard input)

Each FILE must hold exactly one JSON document (one line, as hpclaunch
prints it).  Prints each violation with its path (doc.jobs[0].state: ...)
and exits 1 when there is any, 0 otherwise.

A validator of the JSON Schema keywords the schema uses, and no more, so
that the check needs python3 alone: type, enum, const, properties,
required, additionalProperties, items, minItems, minLength, minimum,
pattern, anyOf, oneOf and $ref (to #/$defs/...).  oneOf is read as the
schema uses it, one branch per command: the branch whose "command" const
matches the document is the one checked, so that its errors are the ones
reported.  A keyword the validator does not know is an error of the
schema, not ignored.
"""
import json
import re
import sys

KNOWN = {"$schema", "$id", "$defs", "$ref", "title", "description", "type",
         "enum", "const", "properties", "required", "additionalProperties",
         "items", "minItems", "minLength", "minimum", "pattern", "anyOf",
         "oneOf"}

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and
    not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class Checker:
    def __init__(self, schema):
        self.root = schema

    def deref(self, s):
        while "$ref" in s:
            ref = s["$ref"]
            if not ref.startswith("#/$defs/"):
                raise ValueError("schema: unsupported $ref " + ref)
            extra = {k: v for k, v in s.items()
                     if k not in ("$ref", "description")}
            s = self.root["$defs"][ref[len("#/$defs/"):]]
            if extra:  # siblings of $ref (minItems) apply too
                s = dict(s, **extra)
        return s

    def check(self, v, s, path, out):
        s = self.deref(s)
        unknown = set(s) - KNOWN
        if unknown:
            raise ValueError("schema: unknown keywords %s at %s"
                             % (sorted(unknown), path))
        if "type" in s:
            types = s["type"] if isinstance(s["type"], list) else [s["type"]]
            if not any(TYPES[t](v) for t in types):
                out.append("%s: %s is not of type %s"
                           % (path, json.dumps(v)[:60], "/".join(types)))
                return
        if "const" in s and v != s["const"]:
            out.append("%s: %s is not %s" % (path, json.dumps(v)[:60],
                                              json.dumps(s["const"])))
        if "enum" in s and v not in s["enum"]:
            out.append("%s: %s is not one of %s"
                       % (path, json.dumps(v)[:60], json.dumps(s["enum"])))
        if "anyOf" in s:
            if not any(self.ok(v, b, path) for b in s["anyOf"]):
                errs = []
                for b in s["anyOf"]:
                    self.check(v, b, path, errs)
                out.append("%s: matches no allowed form (%s)"
                           % (path, "; ".join(errs[:3])))
        if "oneOf" in s:
            self.one_of(v, s["oneOf"], path, out)
        if isinstance(v, dict):
            self.check_object(v, s, path, out)
        if isinstance(v, list):
            if "minItems" in s and len(v) < s["minItems"]:
                out.append("%s: fewer than %d items" % (path, s["minItems"]))
            if "items" in s:
                for i, e in enumerate(v):
                    self.check(e, s["items"], "%s[%d]" % (path, i), out)
        if isinstance(v, str):
            if "minLength" in s and len(v) < s["minLength"]:
                out.append("%s: empty string" % path)
            if "pattern" in s and not re.search(s["pattern"], v):
                out.append("%s: %r does not match %s"
                           % (path, v, s["pattern"]))
        if TYPES["number"](v) and "minimum" in s and v < s["minimum"]:
            out.append("%s: %s is below %s" % (path, v, s["minimum"]))

    def check_object(self, v, s, path, out):
        props = s.get("properties", {})
        for k in s.get("required", []):
            if k not in v:
                out.append("%s: missing member %r" % (path, k))
        for k, e in v.items():
            if k in props:
                self.check(e, props[k], path + "." + k, out)
            elif s.get("additionalProperties") is False:
                out.append("%s: unknown member %r" % (path, k))
            elif isinstance(s.get("additionalProperties"), dict):
                self.check(e, s["additionalProperties"], path + "." + k, out)

    def ok(self, v, s, path):
        errs = []
        self.check(v, s, path, errs)
        return not errs

    def one_of(self, v, branches, path, out):
        # One branch per command: check the document against its own.
        if isinstance(v, dict):
            for b in branches:
                c = self.deref(b).get("properties", {}).get("command", {})
                if "const" in c and c["const"] == v.get("command"):
                    self.check(v, b, path, out)
                    return
        good = [b for b in branches if self.ok(v, b, path)]
        if len(good) != 1:
            out.append("%s: matches %d of the forms, not exactly one "
                       "(command %s)" % (path, len(good),
                                         json.dumps(v.get("command")
                                                    if isinstance(v, dict)
                                                    else None)))


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1]) as f:
        checker = Checker(json.load(f))
    status = 0
    for name in argv[2:] or ["-"]:
        text = sys.stdin.read() if name == "-" else open(name).read()
        where = "stdin" if name == "-" else name
        if text.count("\n") != 1 or not text.endswith("\n"):
            print("%s: not one line of JSON (%d lines)"
                  % (where, text.count("\n")))
            status = 1
        try:
            doc = json.loads(text)
        except ValueError as e:
            print("%s: not JSON: %s" % (where, e))
            status = 1
            continue
        errs = []
        checker.check(doc, checker.root, "doc", errs)
        for e in errs:
            print("%s: %s" % (where, e))
        status |= 1 if errs else 0
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
