#!/usr/bin/env bash
# eft4j as a Maven dependency, tested the way a user's project gets it:
#  1. installs the libraries and the BOM into a throwaway local repository, target/it-repo (never
#     ~/.m2: Maven reads ~/.m2 as a read-only tail, so nothing is copied and a warm ~/.m2 serves
#     every other artifact offline; what it lacks is downloaded into target/it-repo), and checks
#     the installed files (sources and javadoc jars, poms with every property resolved);
#  2. copies it/consumer to target/it/{gpu,cpu} and builds it there by coordinates only, with the
#     default ONNX Runtime (onnxruntime_gpu) and with the CPU-only switch (-Pcpu); the build runs
#     its tests on the class path and on the module path;
#  3. runs README's example (com.example.eft.UpscaleExample) with plain `java` on the class path
#     and on the module path with the flags README gives, and checks what it prints;
#  4. checks that the CPU-only dependency tree holds less than 60 MB (10^6 bytes) of jars.
# Run it after `./mvnw -B verify` (./build.sh runs both). Extra Maven options: MAVEN_ARGS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
JAVA_HOME=$(tools/find-jdk25.sh) || exit 1
export JAVA_HOME
java="$JAVA_HOME/bin/java"

m2="${EFT4J_M2_REPO:-$HOME/.m2/repository}"
repo="$root/target/it-repo"
work="$root/target/it"
models="$root/models/mini"
mvn=("$root/mvnw" -B -Dmaven.repo.local="$repo" -Dmaven.repo.local.tail="$m2")
version=$(sed -n '/<artifactId>eft4j-parent<\/artifactId>/{n;s:.*<version>\(.*\)</version>.*:\1:p;q;}' pom.xml)
cpu_limit_mb=60

say() { echo "it: $*"; }
fail() { echo "it: FAILED: $*" >&2; exit 1; }
[ -n "$version" ] || fail "no eft4j-parent version in pom.xml"

# ---- 1. install ---------------------------------------------------------------------------------
say "installing eft4j $version into $repo"
rm -rf "$repo/io/github/eft4j" "$work"
mkdir -p "$repo" "$work"
tools/with-download-progress.sh "${mvn[@]}" -q install -Dmaven.test.skip=true \
  -pl eft4j-bom,eft-core,eft-testing,eft-onnx,eft-spark

pom_version() { # the <version> right after <artifactId>$2</artifactId> in pom $1
  sed -n "/<artifactId>$2<\/artifactId>/{n;s:.*<version>\(.*\)</version>.*:\1:p;q;}" "$1"
}
resolved_pom() {
  if grep -q '\${' "$1"; then fail "$1 keeps properties: $(grep -o '\${[^}]*}' "$1" | sort -u | tr '\n' ' ')"; fi
  if grep -q '<parent>' "$1"; then fail "$1 names a parent"; fi
}
libraries="eft-core eft-testing eft-onnx eft-spark"
for a in $libraries; do
  d="$repo/io/github/eft4j/$a/$version"
  for f in "$a-$version.jar" "$a-$version-sources.jar" "$a-$version-javadoc.jar" "$a-$version.pom"; do
    [ -s "$d/$f" ] || fail "$d/$f was not installed"
  done
  resolved_pom "$d/$a-$version.pom"
done
bom="$repo/io/github/eft4j/eft4j-bom/$version/eft4j-bom-$version.pom"
[ -s "$bom" ] || fail "$bom was not installed"
resolved_pom "$bom"
for a in $libraries; do
  [ "$(pom_version "$bom" "$a")" = "$version" ] || fail "the BOM does not list $a $version"
done
onnx_pom="$repo/io/github/eft4j/eft-onnx/$version/eft-onnx-$version.pom"
# onnxruntime_gpu, unless this build ran with -Donnxruntime.artifactId=onnxruntime
ort_default=onnxruntime_gpu
ort=$(pom_version "$onnx_pom" onnxruntime_gpu)
if [ -z "$ort" ]; then ort_default=onnxruntime; ort=$(pom_version "$onnx_pom" onnxruntime); fi
[ -n "$ort" ] || fail "eft-onnx's installed pom names no ONNX Runtime artifact"
for a in onnxruntime_gpu onnxruntime; do
  [ "$(pom_version "$bom" "$a")" = "$ort" ] || fail "the BOM's $a version is not $ort, the one eft-onnx depends on"
done
say "installed: $libraries (jar, sources, javadoc each) and eft4j-bom; poms resolved; eft-onnx uses $ort_default $ort"

# The CPU-only consumer needs onnxruntime, which the build above does not: fetch it into the
# local repository like any release artifact, so that a later run (after `clean`) finds it there.
cpu_jar="$m2/com/microsoft/onnxruntime/onnxruntime/$ort/onnxruntime-$ort.jar"
if [ ! -f "$cpu_jar" ]; then
  say "downloading com.microsoft.onnxruntime:onnxruntime:$ort (55 MB) into $m2"
  tools/with-download-progress.sh "$root/mvnw" -B -q -N -Dmaven.repo.local="$m2" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get \
    -Dartifact="com.microsoft.onnxruntime:onnxruntime:$ort" -Dtransitive=false
fi

# ---- 2.-4. the consumer, per ONNX Runtime flavour -----------------------------------------------
jar_of() { # g:a:type[:classifier]:v:scope -> the file in the throwaway repository or its tail
  local g a t c v rel
  IFS=: read -r g a t c v _ <<<"$1"
  if [ -z "$v" ] || [ "$v" = compile ] || [ "$v" = runtime ]; then v=$c; c=""; fi   # no classifier
  rel="${g//.//}/$a/$v/$a-$v${c:+-$c}.$t"
  if [ -f "$repo/$rel" ]; then echo "$repo/$rel"; else echo "$m2/$rel"; fi
}

check_run() { # $1 = label; the example's stdout and stderr are in $out/run.{out,err}
  local text
  text=$(cat "$out/run.out")
  text="${text#"${text%%[![:space:]]*}"}"   # the continuation starts with the space after "A:"
  echo "    prints: $text"
  case "$text" in
    "to come to rest"*) ;;
    *) cat "$out/run.err" >&2; fail "$1: README's example printed '$text', expected the gloss of \"alight\" (to come to rest, ...)" ;;
  esac
  # the flags must be the right ones: no native-access warning, no unknown module, vector kernels on
  if grep -E 'restricted method|Unknown module|Vector API kernels unavailable|Exception' "$out/run.err" >&2; then
    fail "$1: unexpected messages on stderr (above)"
  fi
}

for flavour in gpu cpu; do
  out="$work/$flavour"
  cp -r it/consumer "$out"
  say "consumer, $flavour flavour (target/it/$flavour): build, tests on the class path and on the module path"
  profile=()
  [ "$flavour" = cpu ] && profile=(-Pcpu)
  (cd "$out" && "$root/tools/with-download-progress.sh" "${mvn[@]}" verify "${profile[@]}" \
      -Deft4j.version="$version" -Dmodels.dir="$models")

  cp=$(cat "$out/target/classpath.txt")
  app="$out/target/eft4j-consumer-1.0.jar"
  case "$flavour:$cp" in
    gpu:*"/$ort_default-$ort.jar"*) ;;
    cpu:*onnxruntime_gpu*) fail "the CPU-only consumer still gets onnxruntime_gpu: $cp" ;;
    cpu:*onnxruntime-"$ort".jar*) ;;
    *) fail "$flavour consumer: unexpected ONNX Runtime on the class path: $cp" ;;
  esac

  say "README example on the class path"
  "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -cp "$app:$cp" com.example.eft.UpscaleExample "$models" >"$out/run.out" 2>"$out/run.err" \
    || { cat "$out/run.err" >&2; fail "class path run"; }
  check_run "$flavour, class path"

  say "README example on the module path"
  "$java" --add-modules jdk.incubator.vector --enable-native-access=io.github.eft4j.onnx,com.microsoft.onnxruntime \
    -p "$app:$cp" -m com.example.eft/com.example.eft.UpscaleExample "$models" >"$out/run.out" 2>"$out/run.err" \
    || { cat "$out/run.err" >&2; fail "module path run"; }
  check_run "$flavour, module path"

  # the compile and runtime jars of `mvn dependency:tree`: the same set as the class path above
  # (the tree's scope filter would drop eft-core, which it prints under the test-scoped eft-testing)
  total=0; count=0
  while read -r coords; do
    f=$(jar_of "$coords")
    [ -f "$f" ] || fail "no file for $coords ($f)"
    size=$(stat -c %s "$f")
    total=$((total + size)); count=$((count + 1))
    awk -v s="$size" -v c="$coords" 'BEGIN { printf "    %8.1f MB  %s\n", s / 1e6, c }'
  done < <(tail -n +2 "$out/target/dependency-tree.txt" | sed -E 's/^[|+\\ -]*//' | grep -E ':(compile|runtime)$')
  [ "$count" -eq "$(tr ':' '\n' <<<"$cp" | grep -c .)" ] || fail "dependency:tree lists $count jars, the class path $cp"
  mb=$(awk -v t="$total" 'BEGIN { printf "%.1f", t / 1e6 }')
  say "$flavour flavour: $count jars, $mb MB (dependency:tree, compile and runtime scope)"
  if [ "$flavour" = cpu ] && [ "$total" -ge $((cpu_limit_mb * 1000000)) ]; then
    fail "the CPU-only consumer's jars take $mb MB, expected under $cpu_limit_mb MB"
  fi
done
say "OK: eft4j $version by coordinates, default and CPU-only ONNX Runtime, class path and module path"
