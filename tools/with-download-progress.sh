#!/usr/bin/env bash
# Runs a command (a Maven build) and, every 10 s while it runs, names each file Maven is still
# downloading into the local repository with the megabytes received so far. Maven's batch (-B)
# and quiet (-q) modes print nothing during one long download, and onnxruntime_gpu is 642 MB.
# The local repository is $EFT4J_M2_REPO, else ~/.m2/repository.
repo="${EFT4J_M2_REPO:-$HOME/.m2/repository}"
parent=$$
(
  while sleep 10 && kill -0 "$parent" 2>/dev/null; do
    [ -d "$repo" ] || continue
    # the resolver writes NAME.<digits>.tmp (sometimes twice over) next to the final file
    find "$repo" -name '*.tmp' -printf '%f %s\n' 2>/dev/null | while read -r f size; do
      name=$(printf '%s\n' "$f" | sed -E 's/(\.[0-9]+\.tmp)+$//')
      echo "[download] $name: $((size / 1000000)) MB so far" >&2
    done
  done
) &
watcher=$!
trap 'kill "$watcher" 2>/dev/null' EXIT
"$@"
