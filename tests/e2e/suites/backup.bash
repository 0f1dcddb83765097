# Backups: consistent copies taken while members write, into a file the
# secretary names or into backup.dir, restored as cpd(1) says, and checked.
setup_scheme
for i in 1 2 3 4; do
  ok sec member add "w$i" --name "Writer $i" --email "w$i@example.org"
done
ok ann claim iims-training-day --date 2017-03-01
ok sec approve 1

TEST "a secretary's copy: a sound database, readable by them alone, never over a file"
ok sec backup "$TESTDIR/copy.db"
expect_contains "$OUT" "Backed up $CPD_DB to $TESTDIR/copy.db ("
expect_equal "$(stat -c %a "$TESTDIR/copy.db")" "600"
expect_equal "$(sqlite3 "$TESTDIR/copy.db" "PRAGMA journal_mode")" "wal"
# The same rows and schema (VACUUM writes the schema in another order).
expect_equal "$(sqlite3 "$TESTDIR/copy.db" .dump | sort)" "$(sqlite3 "$CPD_DB" .dump | sort)"
ok sec --db "$TESTDIR/copy.db" check
refused 1 "copy.db already exists; add --force" sec backup "$TESTDIR/copy.db"
ok sec backup "$TESTDIR/copy.db" --force --json
expect_equal "$(json '(d["file"], d["bytes"] == '"$(stat -c %s "$TESTDIR/copy.db")"')')" "('$TESTDIR/copy.db', True)"
refused 77 "only the membership secretary" ann backup "$TESTDIR/ann.db"
[ ! -e "$TESTDIR/ann.db" ] || fail "a member got a copy"
refused 1 "cpd does not write files whose names start with a dot" sec backup "$TESTDIR/.hidden.db"
ls "$(dirname "$CPD_DB")" | grep -q 'backup-' && fail "a temporary copy was left beside the database"

TEST "a copy taken while 4 writers claim is restored, checked, and holds every claim committed before it"
writer() { # writer LOGIN: claims 60 branch meetings, logging each committed id
  local login=$1 n day
  for n in $(seq 1 60); do
    day=$(printf '2017-%02d-%02d' $(((n - 1) / 28 + 1)) $(((n - 1) % 28 + 1)))
    if CPD_USER=$login "$CPD" claim iims-branch-meeting --date "$day" --json >"$TESTDIR/out.$login" 2>>"$TESTDIR/errors.$login"; then
      /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TESTDIR/out.$login" >>"$TESTDIR/committed.$login"
    fi
  done
}
: >"$TESTDIR/committed.w1" >"$TESTDIR/committed.w2" >"$TESTDIR/committed.w3" >"$TESTDIR/committed.w4"
pids=()
for i in 1 2 3 4; do
  writer "w$i" &
  pids+=($!)
done
# Wait until the writers are under way, then note what is committed, copy.
until [ "$(cat "$TESTDIR"/committed.w* | wc -l)" -ge 20 ]; do sleep 0.05; done
sort "$TESTDIR"/committed.w* >"$TESTDIR/before"
ok sec backup "$TESTDIR/during.db"
sort "$TESTDIR"/committed.w* >"$TESTDIR/after"
wait "${pids[@]}"
expect_equal "$(cat "$TESTDIR"/errors.w* | wc -l)" "0" "lines on stderr from the writers"
expect_equal "$(cat "$TESTDIR"/committed.w* | wc -l)" "240" "claims committed"
live=$(($(wc -l <"$TESTDIR/after") - $(wc -l <"$TESTDIR/before")))
echo "backup: $(wc -l <"$TESTDIR/before") claims committed before the copy began, $live while it ran" >&2
# Restored as cpd(1) says: the copy takes the database's place, with no
# -wal or -shm file of the old one beside it.
mkdir "$TESTDIR/restored"
cp "$TESTDIR/during.db" "$TESTDIR/restored/cpd.db"
CPD_DB=$TESTDIR/restored/cpd.db ok sec check
restored=$(sqlite3 "$TESTDIR/restored/cpd.db" "SELECT id FROM claim WHERE member_id IN (SELECT id FROM member WHERE login LIKE 'w%') ORDER BY id")
missing=$(comm -23 "$TESTDIR/before" <(sort <<<"$restored"))
expect_equal "$missing" "" "claims committed before the copy but missing from it"
extra=$(comm -13 <(sort "$TESTDIR"/committed.w*) <(sort <<<"$restored"))
expect_equal "$extra" "" "claims in the copy that were never committed"
# The restored database works on: a member claims, the secretary approves.
CPD_DB=$TESTDIR/restored/cpd.db ok w1 claim iims-webinar --date 2017-03-10
CPD_DB=$TESTDIR/restored/cpd.db ok sec approve "$(sqlite3 "$TESTDIR/restored/cpd.db" "SELECT max(id) FROM claim")"
CPD_DB=$TESTDIR/restored/cpd.db ok sec check
ok sec check

TEST "copies in backup.dir, the newest backup.keep kept"
refused 78 "backup.dir is not set" sec backup
ok sec config set backup.dir "$TESTDIR/backups"
ok sec config set backup.keep 2
CPD_TODAY=2017-03-20 ok sec backup
expect_contains "$OUT" "to $TESTDIR/backups/cpd-20170320-"
CPD_TODAY=2017-03-21 ok sec backup
CPD_TODAY=2017-03-22 ok sec backup --json
expect_equal "$(json 'len(d["removed"])')" "1"
expect_equal "$(json 'd["removed"][0][:13]')" "cpd-20170320-"
expect_equal "$(ls "$TESTDIR/backups" | cut -c1-12 | tr '\n' ' ')" "cpd-20170321 cpd-20170322 "
expect_equal "$(stat -c %a "$TESTDIR/backups")" "700"
expect_equal "$(stat -c %a "$TESTDIR/backups"/* | sort -u)" "600"
ok sec --db "$(ls "$TESTDIR"/backups/cpd-20170322-*)" check
refused 65 "absolute path" sec config set backup.dir relative/backups

TEST "year end takes a copy first, and none when there is nothing to close"
CPD_TODAY=2018-01-02 ok sec rollover
expect_contains "$OUT" "Backed up the database to $TESTDIR/backups/cpd-20180102-"
copy=$(ls "$TESTDIR"/backups/cpd-20180102-*)
expect_equal "$(sqlite3 "$copy" "SELECT count(*) FROM year_close")" "0"
expect_equal "$(sql "SELECT count(*) FROM year_close")" "1"
CPD_TODAY=2018-01-03 ok sec rollover --json
expect_equal "$(json 'd["backup"]')" "None"
expect_equal "$(ls "$TESTDIR"/backups/cpd-20180103-* 2>/dev/null)" ""

TEST "on a shared host the server makes the copy and the client writes it, for the system"
"$CPD" serve --db "$CPD_DB" --socket "$TESTDIR/cpd.sock" 2>"$TESTDIR/serve.log" &
server=$!
for _ in $(seq 1 100); do [ -S "$TESTDIR/cpd.sock" ] && break; sleep 0.05; done
# The server's own user (this one) acts as the system, as cpd's timers do.
(cd "$TESTDIR" && env -u CPD_DB "$CPD" --socket "$TESTDIR/cpd.sock" backup served.db) >"$TESTDIR/served.out" 2>&1 \
  || fail "cpd backup through the server failed: $(cat "$TESTDIR/served.out")"
expect_equal "$(stat -c %a "$TESTDIR/served.db")" "600"
ok sec --db "$TESTDIR/served.db" check
env -u CPD_DB "$CPD" --socket "$TESTDIR/cpd.sock" backup --json >"$TESTDIR/served.json" 2>&1 \
  || fail "cpd backup into backup.dir through the server failed: $(cat "$TESTDIR/served.json")"
expect_contains "$(cat "$TESTDIR/served.json")" "\"file\":\"$TESTDIR/backups/cpd-"
kill "$server"
wait "$server"
