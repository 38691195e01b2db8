#!/usr/bin/env bash
# The `eft4j` launcher as a user runs it, after a build (./build.sh runs it last): both JIT profiles
# start, build their AOT caches on first use, use them on the second, and generate the same greedy
# text; a bad EFT4J_JIT is refused with exit code 2.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
say() { echo "launcher: $*"; }
fail() { echo "launcher: FAILED: $*" >&2; exit 1; }
args=(generate --model models/mini/large-base --plain --prompt 'What does "alight" mean?' --max-tokens 12)
rm -rf eft-examples/target/aot
for jit in quick full; do
  first=$(EFT4J_JIT=$jit ./eft4j "${args[@]}" 2>"$root/target/launcher-$jit.err") || fail "EFT4J_JIT=$jit: exit $? ($(tail -1 "$root/target/launcher-$jit.err"))"
  ls eft-examples/target/aot/eft4j-$jit-*.aot >/dev/null 2>&1 || fail "EFT4J_JIT=$jit made no AOT cache"
  second=$(EFT4J_JIT=$jit ./eft4j "${args[@]}" 2>"$root/target/launcher-$jit.err") || fail "EFT4J_JIT=$jit, second run: exit $?"
  grep -q "training the start-up cache" "$root/target/launcher-$jit.err" && fail "EFT4J_JIT=$jit trained its cache twice"
  [ "$first" = "$second" ] || fail "EFT4J_JIT=$jit: two runs differ"
  [ -n "$first" ] || fail "EFT4J_JIT=$jit generated nothing"
  eval "out_$jit=\$first"
  say "EFT4J_JIT=$jit ok: \"$first\""
done
# shellcheck disable=SC2154
[ "$out_quick" = "$out_full" ] || fail "the quick and full profiles generate different greedy text: '$out_quick' vs '$out_full'"
set +e
EFT4J_JIT=fast ./eft4j "${args[@]}" >/dev/null 2>"$root/target/launcher-bad.err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "EFT4J_JIT=fast, expected quick or full" "$root/target/launcher-bad.err" \
  || fail "EFT4J_JIT=fast: expected exit 2 and a message, got $rc: $(cat "$root/target/launcher-bad.err")"
say "ok"
