# The scheduled jobs shipped in data/: systemd timers and services, and the
# crontab example. They must run the commands they claim to, when they claim
# to, as a user that cpd lets do it.

ROOT=$(cd "$E2E_DIR/../.." && pwd)
UNITS=$ROOT/data/systemd
CRONTAB=$ROOT/data/cron/cpd

# key FILE KEY: the value of KEY= in a unit file.
key() {
  sed -n "s/^$2=//p" "$1"
}

TEST "each timer starts its service, when the man page says"
expect_equal "$(key "$UNITS/cpd-rollover.timer" OnCalendar)" "*-01-01 00:10"
expect_equal "$(key "$UNITS/cpd-rollover.timer" Persistent)" "true"
expect_equal "$(key "$UNITS/cpd-remind.timer" Persistent)" "true"
[ -n "$(key "$UNITS/cpd-remind.timer" RandomizedDelaySec)" ] || fail "cpd-remind.timer has no RandomizedDelaySec"
expect_equal "$(key "$UNITS/cpd-backup.timer" Persistent)" "true"
for job in rollover remind mail backup; do
  [ -f "$UNITS/cpd-$job.service" ] || fail "cpd-$job.timer has no cpd-$job.service"
  expect_equal "$(key "$UNITS/cpd-$job.timer" WantedBy)" "timers.target" "cpd-$job.timer"
done

TEST "the calendar expressions are valid and fire when intended"
if ! command -v systemd-analyze >/dev/null; then
  cannot_check "systemd-analyze is not installed (apt-get install systemd): calendar expressions"
else
  for job in rollover remind mail backup; do
    expr=$(key "$UNITS/cpd-$job.timer" OnCalendar)
    systemd-analyze calendar "$expr" >/dev/null 2>&1 || fail "cpd-$job.timer: OnCalendar=$expr is not valid"
  done
  next=$(systemd-analyze calendar --iterations=2 "$(key "$UNITS/cpd-rollover.timer" OnCalendar)")
  expect_contains "$next" "-01-01 00:10:00"
  # Daily, so that an audit's reminders fall on their days.
  next=$(systemd-analyze calendar --iterations=3 "$(key "$UNITS/cpd-remind.timer" OnCalendar)")
  [ "$(grep -cE '(elapse|Iter).* 09:00:00' <<<"$next")" = 3 ] || fail "cpd-remind.timer is not at 09:00: $next"
  days=$(grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2} 09:00' <<<"$next" | cut -c1-10 | sort -u | wc -l)
  expect_equal "$days" "3" "days of three runs of cpd-remind.timer"
  next=$(systemd-analyze calendar --iterations=2 "$(key "$UNITS/cpd-backup.timer" OnCalendar)")
  [ "$(grep -cE '(elapse|Iter).* 03:30:00' <<<"$next")" = 2 ] || fail "cpd-backup.timer is not nightly: $next"
  next=$(systemd-analyze calendar --iterations=2 "$(key "$UNITS/cpd-mail.timer" OnCalendar)")
  minutes=$(grep -oE ':[0-9]{2}:00 ' <<<"$next" | cut -c2-3 | sed 's/^0//' | tr '\n' ' ')
  read -r first second <<<"$minutes"
  expect_equal "$(( (second - first + 60) % 60 ))" "5" "minutes between two mail deliveries"
fi

TEST "each service is a oneshot cpd command that exists, as the system user cpd, hardened"
for job in rollover remind mail backup; do
  unit=$UNITS/cpd-$job.service
  expect_equal "$(key "$unit" Type)" "oneshot" "cpd-$job.service"
  expect_equal "$(key "$unit" User)" "cpd" "cpd-$job.service"
  expect_equal "$(key "$unit" Requires)" "cpd.socket" "cpd-$job.service"
  command=$(key "$unit" ExecStart)
  [[ "$command" == "cpd "* ]] || fail "cpd-$job.service runs '$command'"
  read -ra words <<<"${command#cpd }"
  "$CPD" "${words[@]}" --help >/dev/null 2>&1 || fail "cpd-$job.service: '$command' is not a cpd command"
  for want in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
    RestrictAddressFamilies=AF_UNIX; do
    grep -qx "$want" "$unit" || fail "cpd-$job.service lacks $want"
  done
done
expect_equal "$(key "$UNITS/cpd-rollover.service" ExecStart)" "cpd rollover"
expect_equal "$(key "$UNITS/cpd-remind.service" ExecStart)" "cpd remind"
expect_equal "$(key "$UNITS/cpd-mail.service" ExecStart)" "cpd mail send"
expect_equal "$(key "$UNITS/cpd-backup.service" ExecStart)" "cpd backup"

TEST "systemd accepts the units"
if ! command -v systemd-analyze >/dev/null; then
  cannot_check "systemd-analyze is not installed (apt-get install systemd): the units"
else
  mkdir "$TESTDIR/units"
  cp "$UNITS"/* "$TESTDIR/units/"
  # The installed units find cpd on systemd's search path; here, the one tested.
  sed -i "s|^ExecStart=cpd |ExecStart=$CPD |" "$TESTDIR/units/"*.service
  verified=$(cd "$TESTDIR/units" && systemd-analyze verify --man=no ./*.socket ./*.timer ./*.service 2>&1)
  expect_equal "$verified" ""
fi

TEST "the server runs as cpd from the socket, hardened as the issue of a shared host asks"
socket=$UNITS/cpd.socket
service=$UNITS/cpd.service
expect_equal "$(key "$socket" ListenStream)" "/run/cpd/cpd.sock"
expect_equal "$(key "$socket" SocketMode)" "0666"
expect_equal "$(key "$socket" Accept)" "no"
expect_equal "$(key "$socket" WantedBy)" "sockets.target"
expect_equal "$(key "$service" User)" "cpd"
expect_equal "$(key "$service" StateDirectory)" "cpd"
expect_equal "$(key "$service" StateDirectoryMode)" "0700"
expect_equal "$(key "$service" ExecStart)" "cpd serve --db /var/lib/cpd/cpd.db"
for want in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
  "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" SystemCallFilter=@system-service UMask=0077; do
  grep -qx "$want" "$service" || fail "cpd.service lacks $want"
done
# The socket is not in a RuntimeDirectory, which systemd removes with the service.
grep -q '^RuntimeDirectory=' "$service" && fail "cpd.service has a RuntimeDirectory"

TEST "the crontab runs the same commands as the timers, as cpd"
jobs=$(grep -vE '^\s*(#|$)|^[A-Z]+=' "$CRONTAB")
expect_equal "$(wc -l <<<"$jobs")" "4"
while read -r minute hour dom month dow user command; do
  expect_equal "$user" "cpd" "the crontab's user"
  [[ "$command" == "cpd "* ]] || fail "the crontab runs '$command'"
  read -ra words <<<"${command#cpd }"
  words=("${words[@]/>\/dev\/null/}")
  "$CPD" ${words[*]} --help >/dev/null 2>&1 || fail "the crontab: '$command' is not a cpd command"
done <<<"$jobs"
expect_contains "$jobs" "cpd rollover"
expect_contains "$jobs" "cpd remind"
expect_contains "$jobs" "cpd mail send"
expect_contains "$jobs" "cpd backup"
expect_contains "$(grep 'cpd remind' <<<"$jobs")" "0    9  *   *   *"

TEST "the scheduler user, once a secretary, runs every job"
setup_scheme
ok sec member add cpd-cron --name "CPD scheduler" --email cpd@iims.example --secretary
ok ann claim iims-training-day --date 2017-03-14
CPD_TODAY=2018-01-01 ok cpd-cron rollover
expect_contains "$OUT" "Closed 2017"
CPD_TODAY=2018-01-01 ok cpd-cron rollover
expect_contains "$OUT" "Nothing to close"
CPD_TODAY=2018-02-01 ok cpd-cron remind
CPD_TODAY=2018-02-01 ok cpd-cron mail send
expect_equal "$(sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" "0"
refused 78 "backup.dir is not set" cpd-cron backup
ok sec config set backup.dir "$TESTDIR/backups"
CPD_TODAY=2018-02-01 ok cpd-cron backup
expect_equal "$(ls "$TESTDIR/backups" | grep -c '^cpd-20180201-[0-9]*\.db$')" "1"
refused 77 "secretar" ann rollover
refused 77 "secretar" ann backup
