#!/usr/bin/env python3
"""The architecture, enforced: every #include "..." of a file under host/, lib/, plugins/ and
sdk/ must name a header of its own folder or of a folder its layer may use
(docs/architecture.md). A new arrow is a decision: add it to ALLOWED with the doc, not here
alone.

Usage: check_includes.py SOURCE_DIR   (prints each forbidden include; exit 1 when any)
"""
import pathlib
import re
import sys

# Folder (a path prefix) -> the folders its files may include, besides their own. The first
# matching prefix wins, so deeper folders come first. "iter8" is the SDK's include root,
# "generated" the build's iter8_version.h.
LIB = ["lib"]
ALLOWED = [
    ("host/testing", ["host/runner", "host/loader", "host/source", "host/log", "iter8"] + LIB),
    ("host/cli", ["host/runner", "host/loader", "host/report", "host/analysis", "host/source",
                  "host/process", "host/log", "generated", "iter8"] + LIB),
    ("host/runner", ["host/loader", "host/conditions", "host/process", "host/source",
                     "host/template", "host/log", "iter8"] + LIB),
    ("host/loader", ["host/source", "host/template", "host/process", "host/log", "generated",
                     "iter8"] + LIB),
    # The report reads spec.versionInfo with the SDK's iter8/experiment.hpp, as plugins do.
    ("host/report", ["host/analysis", "lib/fortio", "iter8"] + LIB),
    ("host/analysis", ["lib/fortio"] + LIB),
    ("host/source", ["host/log"] + LIB),
    ("host/template", LIB),
    ("host/conditions", ["iter8"] + LIB),
    ("host/process", LIB),
    ("host/log", LIB),
    ("lib/fortio", LIB),
    # lib/duration calls the SDK's Go-duration parser, so host and plugins parse alike.
    ("lib", ["iter8"]),
    ("plugins/metrics/loadgen", LIB),
    ("plugins/metrics", ["plugins/metrics/loadgen", "plugins/support", "lib/fortio", "generated",
                         "iter8"] + LIB),
    ("plugins/support", ["iter8"] + LIB),
    ("plugins", ["plugins/support", "generated", "iter8"] + LIB),
    ("sdk", ["iter8"]),
]
GENERATED = {"iter8_version.h": "generated"}


def folder_of_include(name):
    if name in GENERATED:
        return GENERATED[name]
    if name.startswith("iter8/"):
        return "iter8"
    if name == "host/log.h":
        return "host/log"
    return str(pathlib.PurePosixPath(name).parent)


def rule_for(path):
    for prefix, allowed in ALLOWED:
        if path == prefix or path.startswith(prefix + "/"):
            return prefix, allowed
    return None, None


def main():
    root = pathlib.Path(sys.argv[1])
    bad = []
    checked = 0
    for top in ("host", "lib", "plugins", "sdk"):
        for f in sorted((root / top).rglob("*")):
            if f.suffix not in (".h", ".hpp", ".c", ".cpp"):
                continue
            rel = f.relative_to(root).as_posix()
            own = "host/log" if rel in ("host/log.h", "host/log.cpp") else str(
                pathlib.PurePosixPath(rel).parent)
            prefix, allowed = rule_for(own)
            if prefix is None:
                bad.append(f"{rel}: in no layer of the table; add its folder to ALLOWED")
                continue
            checked += 1
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m:
                    continue
                target = folder_of_include(m.group(1))
                if target == prefix or target.startswith(prefix + "/") or any(
                        target == a or target.startswith(a + "/") for a in allowed):
                    continue
                bad.append(f"{rel}:{n}: includes \"{m.group(1)}\"; {prefix}/ may include only "
                           f"{', '.join(allowed) or 'its own folder'}")
    for line in bad:
        print(line)
    print(f"layering: {checked} files checked, {len(bad)} forbidden includes")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
