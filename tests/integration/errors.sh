#!/usr/bin/env bash
# errors.sh -- limits and the words of failure: a message the parser
# would take all memory on is quarantined with a reason that says memory
# while the rest are recorded (test hook ANKETA_TEST_ALLOC_MSGID, see
# daemon/receive/ingest_worker.h); a directory or a missing file given as
# the configuration is named as such; a store this user cannot write (its
# directory, its mode, a read-only file system) still serves every
# command that only reads, creates no file beside it, shows commits still
# in the WAL of a writer that has it open, and refuses writing commands
# naming the file and why. As root the store is read as 'nobody'.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip_all "sqlite3 missing (store checks)"
make_tmp
mnt=$T/fs
cleanup() {
	[ -n "${holder:-}" ] && kill "$holder" 2>/dev/null
	mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
	rm -rf "$T"
}
trap cleanup EXIT
echo "1..20"
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $*"; }
write_conf "$T/a.conf" "$T/a.db" "maildir:$T/out" <<'CONF'
[feedback]
enabled = no
[limits]
max_message_bytes = 65536
CONF
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
q() { sqlite3 "$T/a.db" "$1"; }

# ---- the parse worker's memory limit ----
mkdir -p "$T"/in/{new,cur,tmp}
for i in 1 2 3; do
	printf 'From: p%s@elsewhere.org\r\nTo: organiser@example.org\r\nSubject: Question %s\r\nMessage-ID: <m%s@elsewhere.org>\r\n\r\nWhich survey is this?\r\n' \
		"$i" "$i" "$i" >"$T/in/new/100$i.M1.host"
done
hog() { ANKETA_TEST_ALLOC_MSGID=m2@elsewhere.org A fetch --source "maildir:$T/in"; }
ok "fetch: exit 0 although the parser ran out of memory on one message" hog
kinds() { eq "quarantine=1 unmatched=2" "$(q "select group_concat(k, ' ') from (select kind || '=' || count(*) k from inbound group by kind order by kind)")"; }
ok "that message quarantined, the other two recorded" kinds
reason() {
	local r
	r=$(q "select reason from inbound where kind = 'quarantine' and src_key like '%/1002.M1.host'")
	echo "$r"
	grep -q "out of memory" <<<"$r"
}
ok "the quarantined message says it ran out of memory" reason

# ---- the configuration file ----
mkdir "$T/conf.d"
ok "a directory as the config: 'FILE: is a directory', exit 78" \
	out_rc 78 "$T/conf.d: is a directory" "$ANKETA_BIN" -c "$T/conf.d" config check
nomissing() { ! "$ANKETA_BIN" -c "$T/conf.d" config check 2>&1 | grep -q missing; }
ok "... and nothing about missing keys" nomissing
ok "a config that does not exist: named, exit 78" \
	out_rc 78 "$T/nosuch.conf: No such file or directory" "$ANKETA_BIN" -c "$T/nosuch.conf" report x

# ---- a store this user cannot write ----
S=$ANKETA_SRCDIR
mkdir -p "$T/ro" "$T"/out/{tmp,new,cur}
write_conf "$T/ro.conf" "$T/ro/a.db" "maildir:$T/out" </dev/null
R() { "$ANKETA_BIN" -c "$T/ro.conf" "$@"; }
printf 'email,name,municipality,country,language,groups,role\nok@example.org,Ok,Kavarna,BG,bg,a,official\nnew@example.org,New,Gent,BE,nl,a,official\n' >"$T/c.csv"
printf '[campaign]\nname = c2\nquestionnaire = %s/surveys/field-study.xml\ntemplate = survey\nreference = FS\ndeadline = 2030-12-15\n[audience]\ngroup = a\n' "$S" >"$T/c2.campaign"
printf 'From: a@b.org\r\nSubject: hi\r\nMessage-ID: <x@b.org>\r\n\r\nhello\r\n' >"$T/m.eml"
R contacts import "$T/c.csv" >/dev/null && R campaign add "$T/c2.campaign" >/dev/null &&
	R send c2 >/dev/null || echo "# setting up the store failed"
chmod 644 "$T"/*.conf "$T/m.eml"
# U: anketa as a user who may read the store but not write it
if [ "$(id -u)" = 0 ]; then
	U() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$ANKETA_BIN" -c "$T/ro.conf" "$@"; }
else
	chmod 555 "$T/ro"; chmod 444 "$T/ro/a.db"
	U() { R "$@"; }
fi
reads() {	# every command that only reads works
	U report c2 >"$T/r.out" 2>&1 || { cat "$T/r.out"; return 1; }
	U campaign list | grep -E '^c2 +survey +open +FS +2030-12-15 +2 sent' || return 1
	U contacts list --format csv | grep -q ok@example.org || return 1
	U queue || return 1
	U queue list --campaign c2 || return 1
	U inspect "$T/m.eml" | grep -q hello
}
ok "unwritable directory: report, campaign list, contacts list, queue, inspect work" reads
# nothing beside the store but what its owner made (the store and the
# send's a.db.owners/): no -wal or -shm of the reader's
nofiles() { eq "a.db a.db.owners" "$(ls "$T/ro" | tr '\n' ' ' | sed 's/ $//')"; }
ok "... and leave no -wal or -shm behind" nofiles
ok "unwritable directory: contacts import refused naming the store, exit 73" \
	out_rc 73 "$T/ro/a.db: " U contacts import "$T/c.csv"
says_why() { U contacts import "$T/c.csv" 2>&1 | grep -E "not writable: Permission denied|directory $T/ro: Permission denied"; }
ok "... and saying why" says_why
ok "unwritable directory: queue retry refused naming the store" \
	out_rc 73 "$T/ro/a.db: " U queue retry --all
ok "unwritable directory: send refused naming the store" \
	out_rc 73 "$T/ro/a.db: " U send c2
# a writer holds the store open (the daemon would): its commits still in
# the WAL are read through the -wal and -shm it keeps, not missed
if [ "$(id -u)" = 0 ]; then
	{ echo "SELECT count(*) FROM contacts;"; sleep 30; } | sqlite3 "$T/ro/a.db" >/dev/null &
	holder=$!
	for i in $(seq 1 50); do [ -e "$T/ro/a.db-wal" ] && break; sleep 0.1; done
	printf 'email,name,municipality,country,language,groups,role\nlate@example.org,Late,Gent,BE,nl,a,official\n' >"$T/late.csv"
	R contacts import "$T/late.csv" >/dev/null
	walsize() { [ -s "$T/ro/a.db-wal" ] || { echo "the WAL is empty: nothing to prove"; return 1; }; }
	ok "a writer has the store open: a commit waits in the WAL" walsize
	inwal() { U contacts list --format csv | grep -q late@example.org; }
	ok "... and the reader sees it" inwal
	kill "$holder"; wait "$holder" 2>/dev/null; holder=
	# the writer was killed: the next one to close removes the WAL
	R campaign list >/dev/null
else
	skip "needs root (a second user)"
	skip "needs root (a second user)"
fi
# the file itself read-only in a writable directory: nothing created
# beside it either (files owned by the reader could lock the owner out)
if [ "$(id -u)" = 0 ]; then
	chmod 777 "$T/ro"
	reads2() { U report c2 >/dev/null && U contacts list >/dev/null; }
	ok "read-only file, writable directory: reads work" reads2
	ok "... and create no file beside it" nofiles
	chmod 755 "$T/ro"
else
	chmod 755 "$T/ro"
	reads2() { U report c2 >/dev/null && U contacts list >/dev/null; }
	ok "read-only file, writable directory: reads work" reads2
	ok "... and create no file beside it" nofiles
fi
# a read-only file system: root too can only read
if [ "$(id -u)" = 0 ] && mkdir -p "$mnt" && mount -t tmpfs -o size=16m tmpfs "$mnt" 2>/dev/null; then
	cp "$T/ro/a.db" "$mnt/a.db"
	write_conf "$T/fs.conf" "$mnt/a.db" "maildir:$T/out" </dev/null
	mount -o remount,ro "$mnt"
	F() { "$ANKETA_BIN" -c "$T/fs.conf" "$@"; }
	fsreads() { F report c2 >/dev/null && F campaign list | grep -q '^c2 ' && F queue >/dev/null; }
	ok "read-only file system: reads work" fsreads
	ok "read-only file system: contacts import says so, naming the store" \
		out_rc 73 "$mnt/a.db: not writable: Read-only file system" F contacts import "$T/c.csv"
else
	skip "needs root and tmpfs (read-only file system)"
	skip "needs root and tmpfs (read-only file system)"
fi
# a store that does not exist in a directory this user cannot write
write_conf "$T/none.conf" "$T/ro/none/a.db" "maildir:$T/out" </dev/null
chmod 644 "$T/none.conf"
ok "no store and no directory: the reason names the store, exit 73" \
	out_rc 73 "$T/ro/none/a.db: open: unable to open database file" "$ANKETA_BIN" -c "$T/none.conf" report c2
store_err_named() { "$ANKETA_BIN" -c "$T/ro.conf" report nosuch 2>&1; [ $? = 65 ]; }
ok "report on an unknown campaign: exit 65" store_err_named
exit 0
