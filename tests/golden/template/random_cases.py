#!/usr/bin/env python3
"""Random template cases for a differential run of the template engine against Go (see gen.go).

Usage: random_cases.py SEED COUNT [--mutate] > cases.json

Templates combine fields, constants, every builtin, pipelines, if/else if/range/with and
variables over one JSON document; some run with missingkey=error. --mutate then inserts,
deletes and copies characters in each, so the parser's errors get compared too.
"""
import json
import random
import sys

FIELDS = [".a", ".b", ".s", ".n", ".f", ".m", ".l", ".z", ".nul", ".missing", ".m.k", ".m.x",
          ".l.x", ".s.x", ".a.b.c", "$", "$.s", "$.m.k", ".e"]
CONSTS = ['1', '0', '2.5', '"x"', '""', 'true', 'false', 'nil', '`r`', "'a'", '-3', '1e2', '0x10']
FUNCS = ["eq", "ne", "lt", "le", "gt", "ge", "not", "and", "or", "len", "index", "print",
         "println", "printf", "html", "js", "urlquery"]
ARITY = {"eq": 2, "ne": 2, "lt": 2, "le": 2, "gt": 2, "ge": 2, "not": 1, "len": 1, "index": 2,
         "and": 2, "or": 2}
FORMATS = ['"%v"', '"%s"', '"%d"', '"%q"', '"%5.1f"', '"%x"', '"%t"', '"%-4v|"', '"%T"', '"%g"',
           '"%e"', '"%03d"', '"%v %v"']
DATA = {"ll": [[1, 2], [3]], "mm": {"p": {"q": 1}, "r": [1]}, "a": {"b": {"c": "deep"}}, "b": True,
        "s": "str", "n": 3, "f": False, "m": {"k": "v", "j": 2, "z": None},
        "l": [1, "two", None, {"x": 1}], "z": 0, "nul": None, "e": ""}
MUTATIONS = ["{{", "}}", "(", ")", "|", ":=", "=", "$", "$x", ".", ",", "end", "else", "if ",
             "range ", "with ", "break", "continue", "\"", "`", "'", "-", "{{-", " -}}", "nil",
             "1.5", "0x", "$i, $v := ", "/*", "*/"]


def operand(depth):
    r = random.random()
    if r < 0.45:
        return random.choice(FIELDS)
    if r < 0.7:
        return random.choice(CONSTS)
    if r < 0.75 or depth > 2:
        return "."
    return "(" + command(depth + 1) + ")"


def command(depth):
    name = random.choice(FUNCS)
    if name in ("lt", "le", "gt", "ge") and random.random() < 0.7:
        return " ".join([name, random.choice([".n", "2.5", ".m.j"]),
                         random.choice([".n", "0.5", ".m.j"])])
    if name == "index" and random.random() < 0.7:
        return "index " + random.choice(['.l 1', '.l 7', '.m "k"', '.m "nope"', '.s 1',
                                         '. "m" "j"'])
    count = ARITY.get(name, random.randint(0, 3))
    if random.random() < 0.15:
        count = random.randint(0, 3)
    args = [operand(depth) for _ in range(count)]
    if name == "printf":
        args = [random.choice(FORMATS)] + args[:2]
    return " ".join([name] + args)


def pipeline(depth):
    text = command(depth) if random.random() < 0.6 else operand(depth)
    if text == "nil" or text.startswith("("):
        text = command(depth)
    if random.random() < 0.3:
        text += " | " + random.choice(["len", "not", "print", 'printf "<%v>"', "eq 1", 'or "d"',
                                       "and 1", "html", "index"])
    return text


def body(depth):
    parts = []
    for _ in range(random.randint(1, 3)):
        r = random.random()
        if r < 0.35 or depth > 2:
            parts.append("{{ " + pipeline(depth) + " }}")
        elif r < 0.5:
            parts.append("{{ if " + pipeline(depth) + " }}T" + body(depth + 1) + "{{ else if " +
                         pipeline(depth) + " }}E{{ else }}F{{ end }}")
        elif r < 0.65:
            target = random.choice([".l", ".m", ".missing", ".nul", ".ll", ".mm", ".s"])
            parts.append("{{ range $i, $v := " + target + " }}[{{ $i }}:{{ $v }}" +
                         body(depth + 1) + "]{{ else }}none{{ end }}")
        elif r < 0.75:
            parts.append("{{ with " + pipeline(depth) + " }}W{{ . }}" + body(depth + 1) +
                         "{{ end }}")
        elif r < 0.85:
            parts.append("{{ $x := " + pipeline(depth) + " }}{{ $x }}")
        else:
            parts.append("-")
    return "".join(parts)


def mutate(text):
    for _ in range(random.randint(1, 3)):
        p = random.randint(0, len(text))
        r = random.random()
        if r < 0.4:
            text = text[:p] + random.choice(MUTATIONS) + text[p:]
        elif r < 0.8:
            text = text[:p] + text[p + random.randint(1, 4):]
        else:
            q = random.randint(0, len(text))
            text = text[:p] + text[q:q + 5] + text[p:]
    return text


def main():
    random.seed(int(sys.argv[1]))
    cases = []
    for i in range(int(sys.argv[2])):
        template = body(0)
        if "--mutate" in sys.argv:
            template = mutate(template)
        case = {"name": "random%d" % i, "template": template, "data": DATA}
        if random.random() < 0.15:
            case["missingkey"] = "error"
        cases.append(case)
    json.dump(cases, sys.stdout)


if __name__ == "__main__":
    main()
