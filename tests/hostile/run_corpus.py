#!/usr/bin/env python3
"""Runs the hostile-input corpus (cases.txt) against the built handler.

Each case: an input (a file under inputs/, a generator below, or a shell script), the handler
command, the exit code expected, a substring of the one-line message that names the problem,
and extra checks. Every case also checks: no crash or hang (no signal, within the time limit),
the input file unchanged unless the case says `changed`, the termination log one valid UTF-8
line, no sanitizer report, no internal error, no temporary file left behind.

Usage: run_corpus.py --handler BIN --plugins DIR --testkit DIR [--sanitized] [--only NAME]
"""
import argparse
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

HEAD = "apiVersion: iter8.tools/v2alpha2\nkind: Experiment\nmetadata:\n  name: hostile\n"


def experiment(tasks, extra="", action="start"):
    """An experiment whose action `action` runs the given YAML task list lines."""
    body = "".join("      " + line + "\n" for line in tasks)
    return HEAD + extra + "spec:\n  strategy:\n    actions:\n      %s:\n%s" % (action, body)


OK_TASK = ['- run: "true"']
STATUS_TASK = ["- task: testkit/status", "  with:", "    patch: {stage: written}"]


def write(path, text):
    mode = "wb" if isinstance(text, bytes) else "w"
    with open(path, mode) as f:
        f.write(text)
    return path


# --- generators: gen_NAME(dir, arg) writes the input and returns its path ---

def gen_digits_scalar(d, n):
    return write(d + "/exp.yaml", experiment(OK_TASK, "note: " + "7" * int(n) + "\n"))


def gen_digits_key(d, n):
    # An explicit key (`? k`): YAML limits implicit keys to 1024 characters.
    return write(d + "/exp.yaml", experiment(OK_TASK, "labels:\n  ? " + "7" * int(n) + "\n  : x\n"))


def gen_long_task(d, n):
    return write(d + "/exp.yaml", experiment(["- task: " + "t" * int(n)]))


def gen_long_library(d, n):
    return write(d + "/exp.yaml", experiment(["- task: " + "l" * int(n) + "/exec"]))


def gen_long_task_in_library(d, n):
    return write(d + "/exp.yaml", experiment(["- task: common/" + "x" * int(n)]))


def gen_many_keys(d, n):
    keys = "".join("  k%d: %d\n" % (i, i) for i in range(int(n)))
    return write(d + "/exp.yaml", experiment(OK_TASK, "bulk:\n" + keys))


def gen_many_tasks(d, n):
    return write(d + "/exp.yaml", experiment(OK_TASK * int(n)))


def gen_flow_nesting(d, n):
    n = int(n)
    return write(d + "/exp.yaml", HEAD + "deep: " + "[" * n + "]" * n + "\n")


def gen_block_nesting(d, n):
    lines = "".join("  " * i + "k%d:\n" % i for i in range(int(n)))
    return write(d + "/exp.yaml", HEAD + lines + "  " * int(n) + "end\n")


def gen_json_nesting(d, n):
    n = int(n)
    return write(d + "/exp.json", '{"spec": ' + '{"a":' * n + "1" + "}" * n + "}")


def gen_json_long_string(d, n):
    return write(d + "/exp.json", '{"spec": {}, "note": "' + "s" * int(n) + '"}')


def gen_laughs(d, _):
    text = HEAD + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        text += "a%d: &a%d [%s]\n" % (i, i, ", ".join(["*a%d" % (i - 1)] * 10))
    return write(d + "/exp.yaml", text + "spec: {}\n")


def gen_huge_file(d, mib):
    line = "# " + "c" * 1021 + "\n"
    return write(d + "/exp.yaml", experiment(OK_TASK) + line * (int(mib) * 1024 + 8))


def gen_documents(d, n):
    return write(d + "/exp.yaml", "---\n".join([experiment(OK_TASK)] * int(n)))


def gen_bytes(d, spec):
    """Inserts the hex bytes `spec` into a comment of a valid experiment."""
    return write(d + "/exp.yaml", b"# x" + bytes.fromhex(spec) + b"\n" + experiment(OK_TASK).encode())


def gen_bom(d, _):
    return write(d + "/exp.yaml", b"\xef\xbb\xbf" + experiment(OK_TASK).encode())


def gen_directory(d, _):
    os.mkdir(d + "/exp.yaml")
    return d + "/exp.yaml"


def gen_fifo(d, _):
    os.mkfifo(d + "/exp.yaml")
    return d + "/exp.yaml"


def gen_control_task(d, _):
    return write(d + "/exp.yaml", experiment(['- task: "common/ex\\e[31mec\\nFAKE line"']))


def gen_secret(d, value):
    value = value.encode().decode("unicode_escape")
    os.mkdir(d + "/secrets")
    import base64
    write(d + "/secrets/token.yaml",
          "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\n  namespace: default\n"
          "data:\n  fail: %s\n" % base64.b64encode(value.encode()).decode())
    return write(d + "/exp.yaml", experiment(["- task: testkit/secret", "  with: {ref: token}"]))


def gen_concurrent(d, n):
    n = int(n)
    a = ["- task: testkit/status\n        with: {patch: {a%d: %d}}" % (i, i) for i in range(n)]
    b = ["- task: testkit/status\n        with: {patch: {b%d: %d}}" % (i, i) for i in range(n)]
    text = HEAD + "spec:\n  strategy:\n    actions:\n      a:\n"
    text += "".join("      " + t + "\n" for t in a) + "      b:\n"
    text += "".join("      " + t + "\n" for t in b)
    return write(d + "/exp.yaml", text)


def gen_status_plain(d, _):
    return write(d + "/exp.yaml", experiment(STATUS_TASK))


def gen_long_input_name(d, n):
    # An unknown input whose name is n bytes (explicit key: YAML caps implicit keys at 1024).
    return write(d + "/exp.yaml", experiment(
        ["- task: common/exec", "  with:", "    cmd: \"true\"", "    ? " + "k" * int(n), "    : 1"]))


def gen_ok_plain(d, _):
    return write(d + "/exp.yaml", experiment(OK_TASK))


GENERATORS = {k[4:]: v for k, v in globals().items() if k.startswith("gen_")}


def parse_cases(path):
    cases = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = [x.strip() for x in line.split(" | ")]
            if len(fields) < 6:
                sys.exit("cases.txt:%d: expected 6 fields separated by ' | '" % number)
            # The arguments may hold a shell pipe: everything between source and checks.
            name, code, message, source = fields[:4]
            args, checks = " | ".join(fields[4:-1]), fields[-1]
            cases.append(dict(name=name, exit=int(code), message=message, source=source,
                              args=args, checks=[c for c in checks.split(";") if c and c != "-"]))
    return cases


def digest(path):
    if not os.path.lexists(path) or os.path.isdir(path) or stat.S_ISFIFO(os.lstat(path).st_mode):
        return None
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_case(case, opts):
    d = tempfile.mkdtemp(prefix="iter8-hostile-")
    failures = []
    try:
        source = case["source"]
        script = None
        if source.startswith("file:"):
            name = source[5:]
            path = shutil.copy(os.path.join(HERE, "inputs", name), os.path.join(d, name))
        elif source.startswith("gen:"):
            gen, _, arg = source[4:].partition(":")
            path = GENERATORS[gen](d, arg)
        else:
            sys.exit("case %s: unknown source %s" % (case["name"], source))
        plugin_args = "--plugins-dir %s --plugins-dir %s" % (opts.plugins, opts.testkit)
        termlog = d + "/termination-log"
        args = case["args"].replace("{in}", path).replace("{dir}", d)
        if "--termination-log" in args:
            termlog = d + "/not-used"
            base = "%s run %s" % (opts.handler, plugin_args)
        else:
            base = "%s run --termination-log %s %s" % (opts.handler, termlog, plugin_args)
        if args.startswith("shell:"):
            script = args[6:].replace("$H", base)
            argv = ["bash", "-c", script]
        else:
            argv = ["bash", "-c", base + " " + args]
        for check in case["checks"]:
            if check.startswith("pre:"):  # shell run before the case (modes, symlinks, files)
                subprocess.run(["bash", "-c", check[4:].replace("{in}", path)], cwd=d, check=True)
        if "as-nobody" in case["checks"] and os.geteuid() == 0:
            # Root reads and writes anything: run permission cases as nobody.
            os.chmod(d, 0o755)
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv
        before = digest(path)
        limit = 60 * (4 if opts.sanitized else 1)
        for check in case["checks"]:
            if check.startswith("max-seconds:"):
                limit = float(check[12:]) * (4 if opts.sanitized else 1)
        started = time.monotonic()
        try:
            result = subprocess.run(argv, cwd=d, capture_output=True, timeout=limit + 5)
        except subprocess.TimeoutExpired:
            return ["hung: no exit within %.0f s" % (limit + 5)]
        elapsed = time.monotonic() - started
        err = result.stderr.decode("utf-8", "replace")
        if result.returncode < 0 or result.returncode > 128:
            failures.append("died by a signal (exit %d)" % result.returncode)
        if result.returncode != case["exit"]:
            failures.append("exit %d, expected %d" % (result.returncode, case["exit"]))
        if elapsed > limit:
            failures.append("took %.1f s, limit %.1f s" % (elapsed, limit))
        lines = err.splitlines()
        if case["message"] != "-" and not any(case["message"] in l for l in lines):
            failures.append("no stderr line contains %r" % case["message"])
        for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer", "error: internal",
                    "std::bad_alloc", "terminate called"):
            if bad in err:
                failures.append("stderr has %r" % bad)
        if "changed" not in case["checks"] and before is not None and digest(path) != before:
            failures.append("the input file was changed")
        if os.path.exists(termlog):
            raw = open(termlog, "rb").read()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                failures.append("termination log is not UTF-8: %s" % e)
                text = ""
            if len(raw) > 4096:
                failures.append("termination log is %d bytes" % len(raw))
            if re.search(r"[\x00-\x09\x0b-\x1f\x7f]", text):
                failures.append("termination log has a control character")
            if case["exit"] in (3, 4) and case["message"] != "-" and case["message"] not in text:
                failures.append("termination log lacks %r: %r" % (case["message"], text[:300]))
        for root, _, files in os.walk(d):
            for f in files:
                if ".iter8-tmp." in f:
                    failures.append("temporary file left: " + f)
        for check in case["checks"]:
            key, _, value = check.partition(":")
            value = value.replace("{in}", path).replace("{dir}", d)
            if key == "mode":
                target, _, wanted = value.partition("=")
                mode = stat.S_IMODE(os.stat(os.path.join(d, target)).st_mode)
                if mode != int(wanted, 8):
                    failures.append("%s has mode %o, expected %s" % (target, mode, wanted))
            elif key == "has":
                target, _, wanted = value.partition("=")
                if not os.path.isfile(os.path.join(d, target)):
                    failures.append("%s was not written" % target)
                    continue
                content = open(os.path.join(d, target), encoding="utf-8", errors="replace").read()
                if wanted.encode().decode("unicode_escape") not in content:
                    failures.append("%s lacks %r" % (target, wanted))
            elif key == "symlink":
                if not os.path.islink(os.path.join(d, value)):
                    failures.append("%s is no longer a symlink" % value)
            elif key == "secret-absent":
                secret = value.encode().decode("unicode_escape")
                log = err + (open(termlog, encoding="utf-8", errors="replace").read()
                             if os.path.exists(termlog) else "")
                for piece in [secret] + secret.split("\n"):
                    if len(piece) >= 4 and piece in log:
                        failures.append("secret piece %r leaked" % piece)
            elif key == "no-line-starts":
                if any(l.startswith(value) for l in lines):
                    failures.append("a stderr line starts with %r (forged line)" % value)
            elif key == "max-line":
                longest = max((len(l.encode()) for l in lines), default=0)
                if longest > int(value):
                    failures.append("a stderr line is %d bytes, limit %s" % (longest, value))
            elif key in ("changed", "pre", "max-seconds", "no-sanitizer", "as-nobody"):
                pass
            elif key == "count-keys":
                target, _, wanted = value.partition("=")
                content = open(os.path.join(d, target)).read()
                found = len(re.findall(r"^  [ab]\d+: \d+$", content, re.M))
                if found != int(wanted):
                    failures.append("%s keeps %d of %s updates" % (target, found, wanted))
            else:
                failures.append("unknown check %r in cases.txt" % key)
        if failures:
            failures.append("stderr (first 600 chars): " + err[:600])
        return failures
    finally:
        subprocess.run(["chmod", "-R", "u+rwx", d])
        shutil.rmtree(d, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--handler", required=True)
    parser.add_argument("--plugins", required=True)
    parser.add_argument("--testkit", required=True)
    parser.add_argument("--sanitized", action="store_true")
    parser.add_argument("--only")
    opts = parser.parse_args()
    opts.handler, opts.plugins, opts.testkit = (os.path.abspath(p) for p in
                                                (opts.handler, opts.plugins, opts.testkit))
    cases = parse_cases(os.path.join(HERE, "cases.txt"))
    failed = 0
    for case in cases:
        if opts.only and not re.search(opts.only, case["name"]):
            continue
        if opts.sanitized and "no-sanitizer" in case["checks"]:
            print("SKIP %s (not under sanitizers)" % case["name"])
            continue
        started = time.monotonic()
        failures = run_case(case, opts)
        took = time.monotonic() - started
        if failures:
            failed += 1
            print("FAIL %s (%.1f s)" % (case["name"], took))
            for f in failures:
                print("     " + f)
        else:
            print("ok   %s (%.1f s)" % (case["name"], took))
    print("%d cases, %d failed" % (len(cases), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
