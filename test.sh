#!/usr/bin/env bash
# The test command: makes sure a browser and PostgreSQL are there, then runs every test project (on SQLite, but for the
# multi-instance end-to-end test, which runs three app processes on PostgreSQL) and the provider-sensitive tests
# ([Trait("Engines", "Both")]) once more on PostgreSQL. PostgreSQL is a throwaway cluster (scripts/with-postgres.sh),
# removed at the end, also on failure.
set -euo pipefail
cd "$(dirname "$0")"

export PLAYWRIGHT_CHROMIUM_EXECUTABLE="${PLAYWRIGHT_CHROMIUM_EXECUTABLE:-/usr/bin/chromium}"
if [ ! -x "$PLAYWRIGHT_CHROMIUM_EXECUTABLE" ]; then
  echo "test.sh: $PLAYWRIGHT_CHROMIUM_EXECUTABLE is missing; installing Debian's chromium for the E2E tests"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  export PLAYWRIGHT_CHROMIUM_EXECUTABLE=/usr/bin/chromium
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The Standard Webhooks reference library (npm), which an E2E test uses to verify real deliveries.
if ! command -v node >/dev/null 2>&1; then
  echo "test.sh: Node.js is missing; installing Debian's nodejs and npm"
  $([ "$(id -u)" != 0 ] && echo sudo) apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $([ "$(id -u)" != 0 ] && echo sudo) apt-get install -y -qq nodejs npm >/dev/null
fi
npm ci --prefix App.E2E/StandardWebhooks --no-audit --no-fund --silent
# The JavaScript live feed client of docs/live-feed.md (@microsoft/signalr), which an E2E test runs against the app.
npm ci --prefix App.E2E/LiveFeed --no-audit --no-fund --silent
# The receiver guides' samples (docs/receivers), which an E2E test runs against real deliveries: Node's packages, and
# Flask for Python from Debian (python3-flask; the sample verifies signatures with the standard library alone).
npm ci --prefix docs/receivers/node --no-audit --no-fund --silent
if ! /usr/bin/python3 -c "import flask" >/dev/null 2>&1; then
  echo "test.sh: Flask is missing; installing Debian's python3-flask"
  $([ "$(id -u)" != 0 ] && echo sudo) apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $([ "$(id -u)" != 0 ] && echo sudo) apt-get install -y -qq python3-flask >/dev/null
fi

dotnet build Undb.Blazor.sln -warnaserror

# One project at a time: the end-to-end tests start app processes and Chromium, and two cores are easily
# oversubscribed if they run beside the in-memory suite. Every test project in the solution is run.
# Everything runs beside one throwaway PostgreSQL: the end-to-end suite includes the multi-instance test, which
# needs it (UNDB_TEST_POSTGRES), and the second pass runs the provider-sensitive tests on it.
# A failed end-to-end test prints what the browser and the app logged around it (App.E2E/Support/Diagnostics.cs).
# At the very end, every failed test is listed again with its message, beside the unhandled exceptions the app logged
# (scripts/failed-tests.py): the end of a CI log may be all that is kept of it.
export UNDB_E2E_DIAG="${UNDB_E2E_DIAG:-$(mktemp -d)/e2e-diagnostics}"
export UNDB_TEST_RESULTS="${UNDB_TEST_RESULTS:-$(mktemp -d)/test-results}"
mkdir -p "$UNDB_TEST_RESULTS"
exec scripts/with-postgres.sh bash -c '
set -o pipefail
status=0
# run NAME ARGS...: dotnet test ARGS, its console log and .trx kept under NAME in UNDB_TEST_RESULTS.
run() {
  local name=$1
  shift
  dotnet test "$@" --no-build --logger "console;verbosity=normal" --logger "trx;LogFileName=$name.trx" \
    --results-directory "$UNDB_TEST_RESULTS" 2>&1 | tee "$UNDB_TEST_RESULTS/$name.log"
}
for project in $(grep -l "<IsTestProject>true</IsTestProject>" ./*/*.csproj | sort); do
  name=$(basename "$project" .csproj)
  echo "== dotnet test $project"
  run "$name" "$project" "$@" || { status=$?; [ "$name" = App.E2E ] && scripts/e2e-diagnostics.sh "$UNDB_E2E_DIAG"; }
done
echo "== dotnet test App.Tests on PostgreSQL (Engines=Both)"
UNDB_TEST_PROVIDER=Postgres run App.Tests.Postgres App.Tests --filter "Engines=Both" "$@" || status=$?
[ "$status" = 0 ] || python3 scripts/failed-tests.py "$UNDB_TEST_RESULTS" "$UNDB_TEST_RESULTS"/*.log
exit $status
' test.sh "$@"
