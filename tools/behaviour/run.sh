#!/usr/bin/env bash
# Runs a fixed set of merges and searches on the light family with the given build of the command, for
# tools/compare_runs.py to compare with another build's (a refactoring must give the same bytes):
#
#   tools/behaviour/run.sh src/SwarmMerge.Cli/bin/Release/net10.0/SwarmMerge.Cli.dll /tmp/after [light]
#   python3 tools/compare_runs.py /tmp/before /tmp/after
#
# Run it from the repository root (the configs' paths resolve against it). `light` adds the demo search
# (examples/light-family/search.yml, about 2 minutes on 2 cores); the rest takes about 1.5 minutes.
set -u
dll=$1; out=$2; here=tools/behaviour
rm -rf "$out"; mkdir -p "$out"
run() { name=$1; shift; dotnet "$dll" "$@" >"$out/$name.stdout" 2>"$out/$name.stderr"; echo "$name rc=$?"; }
run merge-ties merge examples/merge/ties.yml --out "$out/merge-ties" --seed 2
run merge-della merge $here/della.yml --out "$out/merge-della" --seed 5 --out-shard-size 300K
run merge-lora merge examples/light-family/merge-lora.yml --out "$out/merge-lora" --out-adapter "$out/merge-lora-adapter"
run merge-lora-svd merge $here/ties-lora.yml --out-adapter "$out/merge-lora-svd" --adapter-rank 4 --seed 1
run all search $here/all.yml --out "$out/all"
run lora search $here/lora.yml --out "$out/lora" --out-adapter "$out/lora-adapter" --adapter-rank 8
run elementwise search $here/elementwise.yml --out "$out/elementwise"
if [[ "${3:-}" == light ]]; then run light search examples/light-family/search.yml --out "$out/light"; fi

# Refused entries (one a line of bad-entries.txt): the messages must not change either.
mkdir -p "$out/bad"
n=0
while IFS= read -r entry; do
  n=$((n + 1))
  printf '%s\n' "base_model: examples/light-family/base" "models: [examples/light-family/expert-sentiment, examples/light-family/expert-plural]" \
    "tasks: examples/light-family/tasks.yml" "budget: 3" "methods:" "  $entry" > "$out/bad/bad$n.yml"
  dotnet "$dll" search "$out/bad/bad$n.yml" --out "$out/bad/run$n" >"$out/bad/bad$n.stderr" 2>&1
  echo "rc=$?" >>"$out/bad/bad$n.stderr"
done < $here/bad-entries.txt
echo "bad entries: $n"
