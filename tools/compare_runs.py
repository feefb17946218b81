#!/usr/bin/env python3
"""Compares two run folders (of `swarmmerge search` or `swarmmerge merge`) byte for byte, timings aside.

    python3 tools/compare_runs.py BEFORE_DIR AFTER_DIR    (the folders of tools/behaviour/run.sh)

Every file of either folder is compared. Timings are the only thing allowed to differ: the `"seconds"` field of
JSON and JSONL files, the columns of `report.md` tables whose header says `time`, the time column of a console
table, the time left of a progress line and a merge's `in N.N s` in `*.stdout` / `*.stderr` (the console of a run, kept beside its folder;
the folder's own path is replaced by `RUN` there), and the plots (PNG files, which draw timings). Everything else, model weights included, must be identical. Prints one line per file and exits 1
when any file differs (other than a plot), 0 otherwise.
"""
import hashlib
import os
import re
import sys

SECONDS = re.compile(rb'"seconds":\s*-?[0-9.eE+-]+')


def masked_report(data: bytes) -> bytes:
    """report.md with every table cell under a header containing 'time' replaced by '*'."""
    lines = data.decode("utf-8").split("\n")
    timed: list[int] = []
    out = []
    for line in lines:
        if line.startswith("|"):
            cells = line.split("|")
            if not re.fullmatch(r"\|[-:| ]+\|", line):
                if any("time" in c for c in cells):
                    timed = [i for i, c in enumerate(cells) if "time" in c]
                else:
                    for i in timed:
                        if i < len(cells):
                            cells[i] = " * "
            out.append("|".join(cells))
        else:
            timed = []
            out.append(line)
    return "\n".join(out).encode("utf-8")


CONSOLE_TIME = re.compile(rb"(?m)^(.*\S\s+\d+)\s+\d+\.\d$")
TIME_LEFT = re.compile(rb"~\d+:\d\d:\d\d left| in \d+\.\d s")


def normalized(path: str, root: str) -> bytes:
    with open(path, "rb") as f:
        data = f.read()
    name = os.path.basename(path)
    if name.endswith((".stdout", ".stderr")):
        data = data.replace(os.path.abspath(root).encode() + b"/", b"RUN/")
        return TIME_LEFT.sub(b"*", CONSOLE_TIME.sub(rb"\1 *", data))
    if name.endswith((".json", ".jsonl")):
        return SECONDS.sub(b'"seconds":*', data)
    if name == "report.md":
        return masked_report(data)
    return data


def files(root: str) -> set[str]:
    return {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}


def main() -> int:
    before, after = sys.argv[1], sys.argv[2]
    differ = 0
    for rel in sorted(files(before) | files(after)):
        a, b = os.path.join(before, rel), os.path.join(after, rel)
        if not os.path.exists(a) or not os.path.exists(b):
            print(f"ONLY-IN-{'AFTER' if not os.path.exists(a) else 'BEFORE'} {rel}")
            differ += 1
            continue
        same = normalized(a, before) == normalized(b, after)
        digest = hashlib.sha256(normalized(b, after)).hexdigest()[:16]
        if same:
            print(f"same    {digest} {rel}")
        elif rel.endswith(".png"):
            print(f"plot    (timings drawn) {rel}")
        else:
            print(f"DIFFERS {rel}")
            differ += 1
    print(f"{differ} file(s) differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
