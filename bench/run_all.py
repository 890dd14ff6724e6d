"""Run every benchmark of bench/ and sum them up.

    .venv/bin/python bench/run_all.py [scale load documents …]

Runs each script (all of bench/*.py but the helpers, scale first since load reuses its data)
one after the other; their own output goes to stderr as it comes. Then prints on stdout every
`name: value` line they printed, one table of their figures with the goals (PASS/FAIL) and the
machine. Exits 1 when a script fails or a goal is missed.
"""

import ast
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import machine, verdict  # noqa: E402

HELPERS = {"common.py", "run_all.py"}
FIRST = ["scale.py"]  # builds the data load.py copies
FIGURE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*): (-?(?:\d+(?:\.\d*)?|nan|inf))$")
CONTEXT_MARK = "Context (not goals):"


def scripts(names: list[str]) -> list[Path]:
    found = sorted(path for path in HERE.glob("*.py")
                   if path.name not in HELPERS and not path.name.startswith("_"))
    found.sort(key=lambda path: (path.name not in FIRST, path.name))
    if names:
        wanted = {name if name.endswith(".py") else f"{name}.py" for name in names}
        unknown = wanted - {path.name for path in found}
        if unknown:
            sys.exit(f"run_all: no such benchmark: {', '.join(sorted(unknown))}")
        found = [path for path in found if path.name in wanted]
    return found


def goals_of(script: Path) -> dict[str, tuple[str, float]]:
    """The script's GOALS = [(name, comparison, bound), …], read without importing it."""
    for node in ast.parse(script.read_text()).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "GOALS"):
            try:
                return {name: (op, float(bound)) for name, op, bound in
                        ast.literal_eval(node.value)}
            except ValueError:
                return {}
    return {}


def run(script: Path) -> tuple[int, list[str], float]:
    """Run one benchmark, echoing its stdout to stderr; (exit code, stdout lines, seconds)."""
    print(f"\n=== {script.name} ===", file=sys.stderr, flush=True)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(script)], cwd=HERE.parent,
                               stdout=subprocess.PIPE, text=True, bufsize=1)
    lines = []
    for line in process.stdout:
        sys.stderr.write(line)
        lines.append(line.rstrip("\n"))
    return process.wait(), lines, time.perf_counter() - started


def main() -> int:
    results = []
    for script in scripts(sys.argv[1:]):
        code, lines, seconds = run(script)
        figures, context, in_context = [], [], False
        for line in lines:
            if line.strip() == CONTEXT_MARK:
                in_context = True
            match = FIGURE.match(line.strip())
            if match:
                (context if in_context else figures).append((match[1], match[2]))
        results.append({"script": script, "code": code, "figures": figures,
                        "context": context, "seconds": seconds, "goals": goals_of(script)})

    for result in results:
        print(f"# {result['script'].name} (exit {result['code']}, {result['seconds']:.0f} s)")
        for name, value in result["figures"] + result["context"]:
            print(f"{name}: {value}")
    print()
    rows = []
    failed = False
    for result in results:
        seen = {name for name, _value in result["figures"]}
        for name, value in result["figures"]:
            goal, outcome = verdict(float(value), result["goals"].get(name))
            failed = failed or outcome == "FAIL"
            rows.append((result["script"].stem, name, value, goal, outcome))
        for name in result["goals"]:
            if name not in seen:  # a goal the script never reached
                failed = True
                rows.append((result["script"].stem, name, "-", "", "ERROR"))
        if result["code"] and not any(row[4] == "FAIL" for row in rows
                                      if row[0] == result["script"].stem):
            failed = True
            rows.append((result["script"].stem, "(exit code)", str(result["code"]), "0",
                         "ERROR"))
    header = ("bench", "figure", "value", "goal", "result")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(5)]
    align = ["<", "<", ">", ">", "<"]

    def line(row):
        return "  ".join(f"{str(cell):{a}{w}}" for cell, w, a in zip(row, widths, align,
                                                                     strict=True)).rstrip()

    print(line(header))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    info = machine()
    print()
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; "
          f"Python {sys.version.split()[0]}")
    print(f"total: {sum(r['seconds'] for r in results):.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
