#!/usr/bin/env bash
# Prints what an end-to-end run kept in its diagnostics folder (UNDB_E2E_DIAG, see App.E2E/Support/Diagnostics.cs):
# the browser's console, errors and WebSocket closes, and the warnings and errors of every app server, with their
# times, to explain a failure from the CI log alone.
dir="${1:?usage: e2e-diagnostics.sh FOLDER}"
[ -d "$dir" ] || exit 0
echo "== E2E diagnostics ($dir)"
if [ -f "$dir/browser.log" ]; then
  echo "-- browser: errors, warnings, WebSocket closes (all of them), and the last 40 lines"
  grep -E "console\.(error|warning)|page error|websocket (closed|error)" "$dir/browser.log" | tail -n 200
  tail -n 40 "$dir/browser.log"
fi
for log in "$dir"/server-*.log; do
  [ -f "$log" ] || continue
  if grep -qE "^([0-9:.]+ )?(fail|crit|warn):|Circuit .*(disconnect|terminat|closed)" "$log"; then
    echo "-- $(basename "$log"): warnings, errors and circuit events"
    grep -E -A3 "^([0-9:.]+ )?(fail|crit|warn):|Circuit .*(disconnect|terminat|closed)" "$log" | tail -n 120
  fi
done
