# For bin/run (sourced, not run): the port it serves on, and waiting until the app answers there.
# Pure bash (no curl needed), so that tests/test_bin_run.py can check it without starting the app.

# choose_port [PORT]: sets and exports PORT (the argument, else $PORT, else 5000) and PUBLIC_URL
# (the address in e-mailed links), which follows the port unless it is set. A port that is not a
# number from 1 to 65535 is refused in one line, status 2.
choose_port() {
  PORT=${1:-${PORT:-5000}}
  if ! [[ "$PORT" =~ ^[0-9]{1,5}$ ]] || (( 10#$PORT < 1 || 10#$PORT > 65535 )); then
    echo "bin/run: the port must be a number from 1 to 65535, not '$PORT'" >&2
    return 2
  fi
  PORT=$(( 10#$PORT ))
  PUBLIC_URL=${PUBLIC_URL:-http://127.0.0.1:$PORT}
  export PORT PUBLIC_URL
}

# The status line of GET /healthz on 127.0.0.1:PORT, or nothing when nothing answers.
_healthz_status() {
  ( exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 0
    printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$1" >&3
    read -r -t 5 line <&3 && printf '%s' "$line" ) 2>/dev/null || true
}

# wait_until_answering PORT PID [SECONDS]: status 0 once /healthz answers 200 on PORT; 1 when the
# process PID (the server) has exited, or after SECONDS (60) without an answer.
wait_until_answering() {
  local port=$1 pid=$2 deadline=$(( SECONDS + ${3:-60} ))
  while (( SECONDS < deadline )); do
    kill -0 "$pid" 2>/dev/null || return 1
    [[ "$(_healthz_status "$port")" == "HTTP/1."?" 200"* ]] && return 0
    sleep 0.3
  done
  return 1
}

# wait_for_file FILE PID [SECONDS]: status 0 once FILE exists; 1 when the process PID has exited,
# or after SECONDS (60).
wait_for_file() {
  local file=$1 pid=$2 deadline=$(( SECONDS + ${3:-60} ))
  while (( SECONDS < deadline )); do
    [ -e "$file" ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.3
  done
  return 1
}
