#!/bin/sh
# Run libFuzzer targets one after another, each for SECONDS.
#   sh t/fuzz/run.sh SECONDS build/fuzz/fuzz_body [build/fuzz/fuzz_form ...]
# Each target starts from its seed corpus (t/fuzz/corpus/<target>/),
# copied into $FUZZ_DIR/corpus/<target>/, where what libFuzzer finds is
# kept between runs; crashes go to $FUZZ_DIR/artifacts/<target>/, the
# output to $FUZZ_DIR/<target>.log. Exits non-zero when any target found
# a crash, leak, timeout or undefined behaviour (or did not run).
set -u
seconds=$1
shift
here=$(dirname "$0")
work=${FUZZ_DIR:-build/fuzz}
failed=""

# UBSan reports abort the run (-fno-sanitize-recover) with a stack.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export UBSAN_OPTIONS

for bin in "$@"; do
    name=$(basename "$bin")
    corpus="$work/corpus/$name"
    artifacts="$work/artifacts/$name"
    log="$work/$name.log"
    mkdir -p "$corpus" "$artifacts"
    if [ -d "$here/corpus/$name" ]; then
        cp "$here/corpus/$name"/* "$corpus"/
    fi
    case $name in
        fuzz_body|fuzz_mapping) dict="-dict=$here/json.dict" ;;
        *) dict="" ;;
    esac
    echo "fuzz: $name for ${seconds}s (log: $log)"
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -detect_leaks=1 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" $dict "$corpus" >"$log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    if [ "$status" -ne 0 ]; then
        failed="$failed $name"
        echo "fuzz: $name FAILED (exit $status, ${execs:-?} runs):"
        why=$(grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz:)' \
              "$log" | head -5)
        echo "${why:-$(tail -5 "$log")}"
        ls "$artifacts"
    else
        echo "fuzz: $name ok, ${execs:-?} runs, corpus $(ls "$corpus" | wc -l)"
    fi
done

if [ -n "$failed" ]; then
    echo "fuzz: failed:$failed" >&2
    exit 1
fi
