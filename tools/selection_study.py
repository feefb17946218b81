"""Compares rules for selecting a search's result, offline, on the raw runs of `SwarmMerge.Bench selection-study`.

Usage (Debian's /usr/bin/python3, with numpy; the study's folders hold seed-S-grids.jsonl and seed-S-holdout-H.jsonl):
    /usr/bin/python3 tools/selection_study.py bench/out/selection/light [bench/out/selection/other ...]

Every candidate of a run was scored row by row on the whole optimization split and on the test split; the run's PSO
saw only the search rows (the split line names the held-back ones). For each rule this prints the test mean of the
model it returns, beside the data-free merges a user would pick on the optimization split (task arithmetic with
lambda tuned, TIES / DARE-TIES / DELLA with density tuned) and the best data-free merge on the test split.
"""

import json
import os
import sys
from collections import defaultdict

import numpy as np


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def bits(rows):
    return {t: np.array([c == "1" for c in s]) for t, s in rows.items()}


class Model:
    def __init__(self, rec, held):
        self.rec = rec
        self.o = bits(rec["O"])
        self.tasks = list(self.o)
        self.test = rec["T"]
        self.held = held

    def score(self, part):
        out = {}
        for t, b in self.o.items():
            mask = np.zeros(len(b), bool)
            mask[list(self.held.get(t, []))] = True
            sel = b[mask] if part == "H" else b[~mask] if part == "S" else b
            out[t] = 100.0 * sel.mean() if len(sel) else float("nan")
        return out

    def f(self, part):
        return float(np.mean(list(self.score(part).values())))

    def t(self):
        return float(np.mean(list(self.test.values())))


def first_max(models, key):
    best, value = None, -np.inf
    for m in models:
        v = key(m)
        if v > value:
            best, value = m, v
    return best


def rules(cands, starts, floor=None):
    g = first_max(cands, lambda m: m.f("S"))
    i = first_max(starts, lambda m: m.f("S"))
    i_all = first_max(starts, lambda m: m.f("O"))
    out = {"search best (S)": g, "incumbent (S)": i}

    def guard(inc, delta=None, margin=0.0):
        if g is inc:
            return inc
        hg, hi = g.score("H"), inc.score("H")
        if delta is not None and any(hg[t] < hi[t] - delta for t in hg):
            return inc
        return g if g.f("H") > inc.f("H") + margin else inc

    out["A: g vs incumbent on H"] = guard(i)
    out["A + floor 10"] = guard(i, 10)
    out["A + floor 5"] = guard(i, 5)
    out["A + margin 1"] = guard(i, None, 1.0)
    out["B: g vs incumbent(all rows) on H"] = guard(i_all)
    # the global best's history (every new global best on S), incumbent first
    hist, best = [], -np.inf
    for m in cands:
        if m.f("S") > best:
            best = m.f("S")
            hist.append(m)
    out["C: best of gbest history on H"] = first_max([i] + [h for h in hist if h is not i], lambda m: m.f("H"))
    out["D: best of gbest history on all rows"] = first_max([i] + [h for h in hist if h is not i], lambda m: m.f("O"))
    return out


def main(folders):
    summary = defaultdict(list)
    for folder in folders:
        files = sorted(os.listdir(folder))
        seeds = sorted({f.split("-")[1] for f in files if f.startswith("seed-") and f.endswith(".jsonl")})
        for seed in seeds:
            grids = [Model(r, {}) for r in load(os.path.join(folder, f"seed-{seed}-grids.jsonl"))]
            by = defaultdict(list)
            for m in grids:
                by[m.rec["method"] if m.rec["kind"] == "baseline" else "expert"].append(m)
            tuned = {k: first_max(v, lambda m: m.f("O")) for k, v in by.items() if k not in ("expert", "linear")}
            defaults = {k: [m for m in v if m.rec["parameters"].get("lambda", m.rec["parameters"].get("density")) == 0.5][0]
                        for k, v in by.items() if k not in ("expert", "linear")}
            best_user = first_max(list(tuned.values()), lambda m: m.f("O"))
            best_test = first_max([m for m in grids if m.rec["kind"] == "baseline"], lambda m: m.t())
            best_expert = first_max(by["expert"], lambda m: m.t())
            print(f"\n== {folder} seed {seed}: best expert {best_expert.t():.1f}; tuned on opt: "
                  + ", ".join(f"{k} {m.rec['parameters'].get('lambda', m.rec['parameters'].get('density'))} {m.t():.1f}" for k, m in tuned.items())
                  + f"; user's pick {best_user.t():.1f}; best data-free on test {best_test.t():.1f} ({best_test.rec['method']} {best_test.rec['parameters']})")
            for f in files:
                if not f.startswith(f"seed-{seed}-holdout-") or not f.endswith(".jsonl"):
                    continue
                h = f[len(f"seed-{seed}-holdout-"):-len(".jsonl")]
                recs = load(os.path.join(folder, f))
                held = recs[0]["held"]
                cands = [Model(r, held) for r in recs[1:]]
                starts = [m for m in cands if m.rec["step"] == 0]
                res = rules(cands, starts) if any(held.values()) else {"search best (S)": first_max(cands, lambda m: m.f("S"))}
                line = []
                for name, m in res.items():
                    worst = min(m.test[t] - best_user.test[t] for t in m.test)
                    line.append(f"{name}: {m.t():.1f} (gap {m.f('S') - m.t():+.1f}, worst task vs pick {worst:+.1f})")
                    summary[(os.path.basename(folder), h, name)].append((m.t() - best_user.t(), m.t() - best_test.t(), worst))
                print(f"  holdout {h}: " + "\n              ".join(line))
    print("\n== mean over seeds: test mean minus the user's tuned pick / minus the best data-free on test / worst task vs pick (min over seeds)")
    for (fam, h, name), v in sorted(summary.items()):
        a = np.array(v)
        print(f"  {fam:12s} h={h:4s} {name:40s} {a[:, 0].mean():+5.1f} (min {a[:, 0].min():+5.1f})  {a[:, 1].mean():+5.1f} (min {a[:, 1].min():+5.1f})  worst {a[:, 2].min():+5.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
