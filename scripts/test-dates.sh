#!/usr/bin/env bash
# The tests marked `dates` again under each frozen date of tests/clock.py (`make test-dates`,
# run by CI after `make test`). Each date runs in a process of its own, with the clock travelled
# there before the test modules load. Two lanes run side by side (CI has two cores); on
# PostgreSQL each lane has its own test database, made by its first date and reused by the next.
# Query count pins are left out: a count doesn't change with the day, and they are the slow ones.
#   TEST_DATES="leap-day 2027-03-28T02:30" ./scripts/test-dates.sh   # other days
set -uo pipefail
cd "$(dirname "$0")/.."

PYTEST=${PYTEST:-.venv/bin/pytest}
read -r -a DATES <<< "${TEST_DATES:-monday sunday new-year-eve leap-day dst-spring dst-autumn}"
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT

lane() {
  local n=$1 url=${DATABASE_URL:-} db=--create-db day
  shift
  # A database of the lane's own (test_<name>_dates<n>); SQLite's test database is in memory.
  if [[ $url == postgres* ]]; then url="${url}_dates$n"; fi
  for day in "$@"; do
    # shellcheck disable=SC2086  # PYTEST_ARGS is a list of arguments
    if env ${url:+DATABASE_URL=$url} PARCOURS_TEST_DATE="$day" "$PYTEST" -m dates \
        -k "not query_count" -q $db --reuse-db ${PYTEST_ARGS:-} > "$LOGS/$day.log" 2>&1; then
      echo "test-dates: $day: $(tail -n 1 "$LOGS/$day.log")"
    else
      cat "$LOGS/$day.log"
      echo "test-dates: $day: FAILED"
      echo "$day" >> "$LOGS/failed"
    fi
    db=
  done
}

start=$SECONDS
odd=() even=()
for i in "${!DATES[@]}"; do
  if (( i % 2 )); then odd+=("${DATES[i]}"); else even+=("${DATES[i]}"); fi
done
lane 1 "${even[@]}" &
if (( ${#odd[@]} )); then lane 2 "${odd[@]}" & fi
wait
echo "test-dates: ${#DATES[@]} dates in $(( SECONDS - start )) s"
if [[ -s $LOGS/failed ]]; then
  echo "test-dates: failures on: $(tr '\n' ' ' < "$LOGS/failed")" >&2
  exit 1
fi
