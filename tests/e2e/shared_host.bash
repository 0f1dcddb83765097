# The shared host, for the suites that run cpd serve against real Unix
# users: `source "$E2E_DIR/shared_host.bash"` makes the server's user (cpd),
# a secretary, two members and a local user who is no member (SEC, ANN, BOB,
# EVE), installs the binary where all of them may run it, and starts the
# server on a socket in the test folder. `run USER ARGS` then runs cpd as that
# user through the server; `db_snapshot` and `sql` read the database as the
# server's user. Needs root: a suite without it is skipped.
#
# Set before sourcing: USERS_PREFIX (default cpdtest) names the people
# PREFIX-sec and so on, so that suites running at once keep apart;
# HOST_CONFIG, a host configuration the server reads (serve --config);
# SERVER_WRAPPER, a command the server runs under (prlimit ... --). The
# server gets TSAN_OPTIONS, for a ThreadSanitizer build.

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || ! command -v useradd >/dev/null; then
  skip_suite "needs root, setpriv and useradd to make real users"
fi

PY=/usr/bin/python3
HOSTILE=$E2E_DIR/hostile_client.py
chmod 711 "$TESTDIR"

# The users: the server's own (cpd, as the package makes it) and people.
CREATED=()
make_user() {
  local name=$1
  shift
  if ! id "$name" >/dev/null 2>&1; then
    useradd "$@" "$name" || exit 70
    CREATED+=("$name")
  fi
}
remove_users() {
  local name
  for name in "${CREATED[@]}"; do
    userdel "$name" 2>/dev/null
  done
}
trap 'kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; remove_users' EXIT
# The server's user stays, as the package leaves it: suites running at once
# all run their servers as cpd, and none may take it from the others.
id cpd >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin cpd || exit 70
# USERS_PREFIX (default cpdtest) names them, so that suites running at once
# need not share (and delete) each other's users.
prefix=${USERS_PREFIX:-cpdtest}
SEC=$prefix-sec ANN=$prefix-ann BOB=$prefix-bob EVE=$prefix-eve
for person in $SEC $ANN $BOB $EVE; do
  # One left by a run that was killed is this suite's own: made again here.
  userdel "$person" 2>/dev/null
  make_user "$person" --create-home --home-dir "$TESTDIR/home/$person" --shell /bin/sh
  install -d -o "$person" -g "$(id -gn "$person")" -m 700 "$TESTDIR/home/$person"
done
chmod 711 "$TESTDIR/home"

# The binary where every user may run it, as an installed one would be.
install -d -m 755 "$TESTDIR/bin"
install -m 755 "$CPD" "$TESTDIR/bin/cpd"
BIN=$TESTDIR/bin/cpd
STATE=$TESTDIR/state
RUNDIR=$TESTDIR/run
SOCKET=$RUNDIR/cpd.sock
install -d -o cpd -g "$(id -gn cpd)" -m 700 "$STATE"
install -d -o cpd -g "$(id -gn cpd)" -m 755 "$RUNDIR"
export CPD_DB=$STATE/cpd.db # for this suite's own checks, never for a client

# as USER COMMAND...: runs a command as USER in their home, with a clean
# environment pointing cpd at the server.
as() {
  local user=$1
  shift
  local home=/root
  [ "$user" = root ] || home=$(getent passwd "$user" | cut -d: -f6)
  [ -d "$home" ] || home=$TESTDIR
  (
    cd "$home" || exit 70
    if [ "$user" = root ]; then
      exec env -i HOME="$home" PATH=/usr/bin:/bin CPD_SOCKET="$SOCKET" "$@"
    fi
    exec setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
      env -i HOME="$home" PATH=/usr/bin:/bin CPD_SOCKET="$SOCKET" ${EXTRA_ENV:-} "$@"
  )
}

# The harness's run, as a real user through the server.
run() {
  local user=$1
  shift
  LAST_COMMAND="$user: cpd $*"
  LAST_COMMAND=${LAST_COMMAND:0:300}
  as "$user" "$BIN" "$@" >"$TESTDIR/.out" 2>"$TESTDIR/.err"
  STATUS=$?
  OUT=$(cat "$TESTDIR/.out")
  ERR=$(cat "$TESTDIR/.err")
}

# The database as the server's user sees it (nothing created as root).
db_snapshot() {
  as cpd test -f "$CPD_DB" || return 0
  checked_dump as cpd sh -c 'umask 077; exec sqlite3 -batch -cmd ".timeout 10000" "$0" "$1"' "$CPD_DB"
}
sql() {
  as cpd sh -c "umask 077; sqlite3 -batch -cmd '.timeout 10000' '$CPD_DB' \"\$0\"" "$1"
}

# Stops a user's hostile clients (started in the background through `as`,
# whose $! is the shell around them).
stop_hostile() {
  pkill -KILL -u "$1" -f hostile_client.py 2>/dev/null
  sleep 0.3
}

# Milliseconds a command takes.
elapsed_ms() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

# The administrator's host configuration: where mail goes on this host is
# root's to name. A suite that brings its own names a Maildir there too.
if [ -z "${HOST_CONFIG:-}" ]; then
  HOST_CONFIG=$TESTDIR/cpd.conf
  printf 'mail.url = maildir:%s/mail\n' "$STATE" >"$HOST_CONFIG"
fi

# start_server [TODAY]: the server, on the day TODAY (default 2017-03-15)
# at the real time of day.
start_server() {
  # shellcheck disable=SC2086 # the wrapper's words
  ${SERVER_WRAPPER:-} setpriv --reuid=cpd --regid="$(id -g cpd)" --init-groups \
    env -i PATH=/usr/bin:/bin CPD_TODAY="${1:-2017-03-15}" CPD_USER="$SEC" \
    ${TSAN_OPTIONS:+TSAN_OPTIONS="$TSAN_OPTIONS"} \
    "$BIN" serve --db "$STATE/cpd.db" --socket "$SOCKET" ${HOST_CONFIG:+--config "$HOST_CONFIG"} \
    2>>"$TESTDIR/server.log" &
  SERVER_PID=$!
  for _ in $(seq 50); do
    [ -S "$SOCKET" ] && break
    sleep 0.1
  done
  [ -S "$SOCKET" ] || { cat "$TESTDIR/server.log" >&2; exit 70; }
}
stop_server() {
  kill "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  rm -f "$SOCKET"
}
start_server

# restart_server TODAY: the same server started again on another day.
restart_server() {
  stop_server
  start_server "$@"
}


# The scheme most suites start from: SEC the secretary, ANN and BOB members,
# mail to the Maildir the host configuration names.
set_up_scheme() {
  as root "$BIN" init --login $SEC --name "Sam Secretary" --email sec@example.org --org IIMS \
    >/dev/null || exit 70
  as $SEC "$BIN" member add $ANN --name "Ann Surveyor" --email ann@example.org >/dev/null || exit 70
  as $SEC "$BIN" member add $BOB --name "Bob Marine" --email bob@example.org >/dev/null || exit 70
  as $SEC "$BIN" config set mail.from cpd@iims.example || exit 70
}

# How much more memory a sanitizer's build may take (its shadow memory counts
# in RSS): bounds on memory are multiplied by it.
RSS_FACTOR=${CPD_E2E_RSS_FACTOR:-1}

# The server's resident memory, in KiB (0 when it is gone).
server_rss_kb() {
  awk '/^VmRSS:/ { print $2; found = 1 } END { if (!found) print 0 }' \
    "/proc/$SERVER_PID/status" 2>/dev/null || echo 0
}

# mail_settled: waits (up to 10 s) until the server's courier has sent
# everything queued, so that a check that nothing changed is not upset by
# mail going out in the background.
mail_settled() {
  local left
  for _ in $(seq 100); do
    left=$(sqlite3 "$CPD_DB" "SELECT (SELECT count(*) FROM outbox WHERE state = 'queued')
      + (SELECT count(*) FROM mail_batch)" 2>/dev/null)
    [ "$left" = 0 ] && return 0
    sleep 0.1
  done
  fail "mail still queued after 10 s: $left"
}

# expect_server_serves: the server is up, and while whatever runs in the
# background goes on, a member's `cpd balance` and root's `cpd mail send`
# each answer within a second.
expect_server_serves() {
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    fail "the server is gone"
    return
  fi
  local took
  took=$(elapsed_ms as $BOB "$BIN" balance)
  [ "$took" -le 1000 ] || fail "$BOB's balance took $took ms"
  as $BOB "$BIN" balance >/dev/null 2>&1 || fail "$BOB's balance failed"
  took=$(elapsed_ms as root "$BIN" mail send)
  [ "$took" -le 1000 ] || fail "root's mail send took $took ms"
  as root "$BIN" mail send >/dev/null 2>&1 || fail "root's mail send failed"
}
