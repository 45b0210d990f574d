#!/usr/bin/env bash
# crash.sh -- kill -9 at any moment loses nothing and does nothing twice.
# ANKETA_CRASH_AFTER=N makes anketa abort right after its N-th store
# commit (a debug hook in store.c). For every N until a run completes, a
# send (then a fetch) is crashed there, resumed, and compared with the run
# that was never interrupted: every contact got exactly one message, and
# every reply was counted exactly once.
. "$(dirname "$0")/lib.sh"
make_tmp
trap 'rm -rf "$T"' EXIT
S=$ANKETA_SRCDIR
echo "1..4"

# setup DIR: a store with 5 contacts and a campaign, Maildir in and out
setup() {
	local d=$1
	mkdir -p "$d"/out/{tmp,new,cur} "$d"/in/{tmp,new,cur}
	write_conf "$d/a.conf" "$d/a.db" "maildir:$d/out" <<CONF
[imap]
url = maildir:$d/in
[feedback]
enabled = no
CONF
	{
		echo "email,name,municipality,country,language,groups,role"
		for i in 1 2 3 4 5; do echo "r$i@example.org,R $i,Gent,BE,en,c,official"; done
	} >"$d/c.csv"
	printf '[campaign]\nname = c1\nquestionnaire = %s/surveys/exchange-visit-feedback.xml\ntemplate = survey\ndeadline = 2099-12-20\n[audience]\ngroup = c\n' "$S" >"$d/c1.campaign"
	"$ANKETA_BIN" -c "$d/a.conf" contacts import "$d/c.csv" >/dev/null &&
		"$ANKETA_BIN" -c "$d/a.conf" campaign add "$d/c1.campaign" >/dev/null
}

# replies DIR: one good reply per message in the outbox, into the inbox
replies() {
	local f b
	printf '1\t5\n2\t4\n4\tSchools.\n5\tA homework club.\n10\tyes\n' >"$1/ans"
	for f in "$1"/out/new/*; do
		b=$(basename "$f")
		perl "$S/tests/integration/reply.pl" top "$f" "$1/ans" >"$1/in/new/r.$b" || return 1
	done
}

per_rcpt() { grep -h '^Delivered-To:' "$1"/out/new/* | sort | uniq -c | awk '{print $1}' | sort -u | tr '\n' ' '; }

send_crash_loop() {
	local n d rc crashed=0
	for n in $(seq 1 40); do
		d=$T/s$n
		setup "$d" || return 1
		(ANKETA_CRASH_AFTER=$n exec "$ANKETA_BIN" -c "$d/a.conf" send c1 >/dev/null 2>&1)
		rc=$?
		"$ANKETA_BIN" -c "$d/a.conf" send c1 >/dev/null 2>&1
		[ "$(ls "$d/out/new" | wc -l)" = 5 ] || { echo "crash after commit $n: $(ls "$d/out/new" | wc -l) messages"; return 1; }
		[ "$(per_rcpt "$d")" = "1 " ] || { echo "crash after commit $n: a contact got $(per_rcpt "$d") messages"; return 1; }
		rm -rf "$d"
		[ $rc -ge 128 ] && crashed=$((crashed + 1))
		[ $rc -lt 128 ] && break	# this N outlived the run
	done
	echo "send crashed at $crashed points, each resumed to 5 messages, one per contact"
	[ $crashed -gt 2 ]
}
ok "send: a crash after any commit resumes to exactly one message per contact" send_crash_loop

fetch_crash_loop() {
	local n d rc crashed=0 want
	d=$T/ref; setup "$d" && "$ANKETA_BIN" -c "$d/a.conf" send c1 >/dev/null 2>&1 && replies "$d" || return 1
	"$ANKETA_BIN" -c "$d/a.conf" fetch >/dev/null 2>&1
	want=$("$ANKETA_BIN" -c "$d/a.conf" report --format json c1 | jq -c .responses)
	for n in $(seq 1 60); do
		d=$T/f$n
		setup "$d" && "$ANKETA_BIN" -c "$d/a.conf" send c1 >/dev/null 2>&1 && replies "$d" || return 1
		(ANKETA_CRASH_AFTER=$n exec "$ANKETA_BIN" -c "$d/a.conf" fetch >/dev/null 2>&1)
		rc=$?
		"$ANKETA_BIN" -c "$d/a.conf" fetch >/dev/null 2>&1
		got=$("$ANKETA_BIN" -c "$d/a.conf" report --format json c1 | jq -c .responses)
		[ "$got" = "$want" ] || { echo "crash after commit $n: $got, want $want"; return 1; }
		inbound=$(sqlite3 "$d/a.db" "select count(*) from inbound")
		[ "$inbound" = 5 ] || { echo "crash after commit $n: $inbound inbound rows"; return 1; }
		rm -rf "$d"
		[ $rc -ge 128 ] && crashed=$((crashed + 1))
		[ $rc -lt 128 ] && break
	done
	echo "fetch crashed at $crashed points; each resumed to $want"
	# a batch commits twice: its parsing marks, then its records
	[ $crashed -ge 2 ]
}
ok "fetch: a crash after any commit resumes to the same report, each reply once" fetch_crash_loop

# the reference numbers themselves: 5 delivered, 5 responded
refnums() { eq '{"contacts":5,"delivered":5,"responded":5,"late":0,"rate":100}' "$("$ANKETA_BIN" -c "$T/ref/a.conf" report --format json c1 | jq -c .responses)"; }
ok "the uninterrupted run: 5 delivered, 5 responded" refnums
ok "no parsing mark is left after the resumed runs" eq 0 "$(sqlite3 "$T/ref/a.db" 'select count(*) from inbound_parsing' 2>/dev/null || echo 0)"
exit 0
