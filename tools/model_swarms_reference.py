"""Reference trajectories of Model Swarms for SwarmMerge's tests, written from the official implementation
(github.com/BunsenFeng/model_swarm, search.py) with particles as coefficient vectors instead of LoRA adapters.

Usage: python3 tools/model_swarms_reference.py > tests/SwarmMerge.Tests/Fixtures/search/model_swarms_reference.json

Random weights are off (--weight_randomess 0) and starting velocities are 'zero' or 'best', so the trajectory is
deterministic and needs no shared random generator. Everything else follows search.py: weights normalized by
their sum; v <- w_v v + w_p (p - x) + w_g (g - x) + w_w (x - g_worst); x <- x + step v; personal best on strict
improvement; global best = first particle at a new maximum; global worst = last particle at a new minimum;
patience checked before each iteration on the last `patience` entries of g_history; stray particles (best value
first seen at least restart_patience * patience entries ago, counting itself) restart at their personal best
with zero velocity before moving; step length decays after each iteration down to its floor.
Plain Python floats (IEEE doubles), operations in the same order as the C# code.
"""
import json
import math

OPTIMUM = [-0.1, 0.5, 0.3, 0.2, 0.1, 0.3, 0.3, 0.1, 0.2, 0.1]
MEMBERS, GROUPS = 5, 2


def fitness(x, plateau):
    # A quadratic with plateaus `plateau` wide (floor), so that ties between particles occur and tie rules matter.
    d2 = sum((a - b) * (a - b) for a, b in zip(x, OPTIMUM))
    return math.floor((100 - 100 * d2) / plateau) * plateau


def corner(m):
    return [1.0 if j % MEMBERS == m else 0.0 for j in range(MEMBERS * GROUPS)]


def run(s):
    x = [corner(m) for m in range(MEMBERS)]
    n = len(x)
    v = [[0.0] * len(x[0]) for _ in range(n)]
    evaluated = []

    def score(step, xs):
        out = []
        for i, p in enumerate(xs):
            scripted = s.get("scripted", {}).get(str(step))
            f = scripted[i] if scripted else fitness(p, s["plateau"])
            evaluated.append({"step": step, "member": i, "values": p, "fitness": f})
            out.append(f)
        return out

    results = score(0, x)
    best = [list(p) for p in x]
    best_f = list(results)
    history = [[f] for f in results]
    g_f = max(results)
    g = x[results.index(g_f)]
    w_f = min(results)
    w = x[results.index(w_f)]
    g_history = [g_f]
    if s["starting_velocity"] == "best":
        v = [[a - b for a, b in zip(g, p)] for p in x]
    step = s["step_length"]
    stopped = "iterations"
    for it in range(1, s["max_iterations"] + 1):
        if len(g_history) > s["patience"]:
            tail = g_history[-s["patience"]:]
            if max(tail) == min(tail):
                stopped = "patience"
                break
        for i in range(n):
            if len(history[i]) - history[i].index(best_f[i]) >= s["restart_patience"] * s["patience"]:
                x[i] = list(best[i])
                v[i] = [0.0] * len(v[i])
            rv, rp, rg, rw = s["inertia"], s["cognitive"], s["social"], s["repel"]
            total = rv + rp + rg + rw
            nv, nx = [], []
            for j in range(len(x[i])):
                vel = (rv * v[i][j] + rp * (best[i][j] - x[i][j]) + rg * (g[j] - x[i][j]) + rw * (x[i][j] - w[j])) / total
                nv.append(vel)
                nx.append(x[i][j] + step * vel)
            v[i], x[i] = nv, nx
        results = score(it, x)
        for i in range(n):
            history[i].append(results[i])
            if results[i] > best_f[i]:
                best_f[i], best[i] = results[i], list(x[i])
        if max(results) > g_f:
            g_f = max(results)
            g = list(x[results.index(g_f)])
        g_history.append(g_f)
        if min(results) < w_f:
            w_f = min(results)
            last = WORST_PICK(i for i in range(n) if results[i] == w_f)
            w = list(x[last])
        step = max(step * s["step_decay"], s["min_step_length"])
    return {"settings": s, "stopped_by": stopped, "evaluations": evaluated}


WORST_PICK = max  # the last particle at the new minimum, as search.py's copy loop without break leaves it

CASES = [
    dict(inertia=0.4, cognitive=0.3, social=0.3, repel=0.3, step_length=1.0, step_decay=0.9, min_step_length=0.1,
         max_iterations=40, patience=4, restart_patience=0.5, starting_velocity="best", plateau=1.0),
    dict(inertia=0.4, cognitive=0.3, social=0.3, repel=0.3, step_length=1.0, step_decay=0.95, min_step_length=0.1,
         max_iterations=40, patience=6, restart_patience=0.5, starting_velocity="zero", plateau=1.0),
    dict(inertia=0.4, cognitive=0.3, social=0.3, repel=0.3, step_length=1.0, step_decay=0.95, min_step_length=0.1,
         max_iterations=40, patience=6, restart_patience=0.5, starting_velocity="best", plateau=40.0),
    # Scripted fitness (by step, then member) for the first steps: a new global worst shared by two particles
    # (step 1: members 0 and 1), a new global best shared by two (step 2: members 2 and 4), then the quadratic.
    dict(inertia=0.4, cognitive=0.3, social=0.3, repel=0.3, step_length=1.0, step_decay=0.95, min_step_length=0.1,
         max_iterations=12, patience=6, restart_patience=0.5, starting_velocity="zero", plateau=1.0,
         scripted={"0": [10, 20, 30, 40, 50], "1": [5, 5, 60, 60, 55], "2": [6, 7, 70, 8, 70]}),
]

if __name__ == "__main__":
    import sys
    if "--first-worst" in sys.argv:  # the rule NOT taken, to check that the cases tell the two apart
        WORST_PICK = min
    print(json.dumps([run(c) for c in CASES], indent=1))
