#!/usr/bin/env bash
# Compare pgledger's throughput with its floor, pgbench's TPC-B-like test,
# on the same server in the same run. Needs THANHTOAN_TEST_POSTGRES (source
# .ci/setup-postgres.sh first) and pgbench, and a role that may create a
# database. Runs are interleaved (pgbench, then the Go benchmarks) so both
# see the same machine; medians are printed with the ratios.
#
#   RUNS=5 BENCHTIME=5s PGBENCH_SECONDS=10 SCALE=10 wallet/pgledger/bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${THANHTOAN_TEST_POSTGRES:?set it, e.g. by sourcing .ci/setup-postgres.sh}"
RUNS=${RUNS:-5}
BENCHTIME=${BENCHTIME:-5s}
PGBENCH_SECONDS=${PGBENCH_SECONDS:-10}
SCALE=${SCALE:-10} # >= clients, so pgbench's branches are not one hot row
SCRATCH=${SCRATCH:-thanhtoan_pgbench}

export PGOPTIONS=${PGOPTIONS:---client-min-messages=warning}
scratch_url=$(printf '%s' "$THANHTOAN_TEST_POSTGRES" | sed -E "s#/[^/?]+(\?|$)#/$SCRATCH\1#")
psql -X -q "$THANHTOAN_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $SCRATCH" -c "CREATE DATABASE $SCRATCH"
trap 'psql -X -q "$THANHTOAN_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $SCRATCH" >/dev/null 2>&1 || true' EXIT
echo "== pgbench -i -s $SCALE (scratch database $SCRATCH)"
pgbench -i -q -s "$SCALE" "$scratch_url" 2>&1 | tail -n 1

out=$(mktemp -d)
go test -c -o "$out/pgledger.test" ./wallet/pgledger/
for run in $(seq 1 "$RUNS"); do
  tps=$(pgbench -n -c 8 -j 2 -T "$PGBENCH_SECONDS" "$scratch_url" 2>&1 | awk '/^tps/ {print $3}')
  echo "$tps" >>"$out/pgbench"
  "$out/pgledger.test" -test.run '^$' -test.bench 'Pgledger' -test.benchmem -test.benchtime "$BENCHTIME" |
    tee -a "$out/go.txt" |
    awk -v run="$run" -v tps="$tps" '/^Benchmark/ {for (i = 1; i < NF; i++) if ($(i+1) == "transfers/s") v = $i;
      sub(/-[0-9]+$/, "", $1); printf "run %d  %-28s %10.0f transfers/s   (pgbench %s tps)\n", run, $1, v, tps}'
done

median() { sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
floor=$(median <"$out/pgbench")
echo
echo "== medians of $RUNS runs (pgbench -c 8 -j 2, scale $SCALE: $floor tps)"
printf '%-28s %12s %8s %8s\n' benchmark transfers/s ratio target
for b in PgledgerPost:0.8 PgledgerPostBatch:5 PgledgerPostHot:0.3; do
  name=${b%%:*} target=${b##*:}
  m=$(awk -v n="Benchmark$name" '$1 ~ "^"n"(-[0-9]+)?$" {for (i = 1; i < NF; i++) if ($(i+1) == "transfers/s") print $i}' "$out/go.txt" | median)
  printf '%-28s %12.0f %7.2fx %7sx\n' "Benchmark$name" "$m" "$(awk -v m="$m" -v f="$floor" 'BEGIN {print m / f}')" "$target"
done
rm -rf "$out"
