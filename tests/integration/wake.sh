#!/usr/bin/env bash
# wake.sh -- an idle `anketa run` (Maildir in and out, send_interval and
# fetch_interval an hour) acts on what happens without waiting for a
# timer: a reply dropped into in/new, and one dropped straight into
# in/cur (as a mail client that moved it would leave it), are recorded;
# `anketa campaign add` and `anketa queue retry` wake it to send
# (through the FIFO STORE.wake). The
# mailbox is listed in full once, at start: later passes read only what
# arrived (the debug lines "maildir:...: full listing" / "arrivals
# listing"). Every wait is a bounded poll, never a measured duration.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
make_tmp
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
echo "1..10"
S=$ANKETA_SRCDIR
maildir_conf "$T" <<CONF
[daemon]
send_interval = 3600
fetch_interval = 3600
[feedback]
enabled = no
CONF
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
printf 'email,name,municipality,country,language,groups,role\na@example.org,Anna,Gent,BE,en,d,official\nb@example.org,Boris,Kavarna,BG,bg,d,official\n' >"$T/c.csv"
survey_campaign "$T/d1.campaign" d1 2099-12-20 d
A contacts import "$T/c.csv" >/dev/null
# a mailbox that is not empty: 200 messages nobody sent us a survey for
for i in $(seq 1 200); do
	printf 'From: x%d@example.net\nTo: organiser@example.org\nSubject: hello %d\nMessage-ID: <old%d@example.net>\n\nnothing\n' \
		"$i" "$i" "$i" >"$T/in/new/old.$i"
done

# until CMD succeeds, 30 s at most (0.2 s steps)

"$ANKETA_BIN" -v -c "$T/a.conf" run >"$T/run.log" 2>&1 &
pid=$!
ok "the first pass reads the mailbox (200 messages handled)" \
	until_ok n_in "$T/in/cur" 200
# the start's send pass (no campaign yet) must be over before the add
until_ok grep -q 'send: started pid' "$T/run.log"
sp=$(sed -n 's/.*send: started pid \([0-9]*\).*/\1/p' "$T/run.log" | head -1)
until_ok gone "$sp"
A campaign add "$T/d1.campaign" >/dev/null
ok "campaign add wakes the daemon: the invitations go out" \
	until_ok n_in "$T/out/new" 2
files=("$T"/out/new/*)
printf '1\t5\n2\t4\n4\tThe school visits.\n5\tA homework club.\n10\tyes\n' >"$T/ans"
reply() {	# reply ORIGINAL DEST: a reply delivered into DEST (via tmp/)
	local b
	b=$(basename "$1")
	perl "$S/tests/integration/reply.pl" top "$1" "$T/ans" >"$T/in/tmp/r.$b" &&
		mv "$T/in/tmp/r.$b" "$2/r.$b$3"
}
responded() { [ "$(A report --format json d1 | jq .responses.responded)" = "$1" ]; }
reply "${files[0]}" "$T/in/new"
ok "a reply dropped into new/ is recorded at once" until_ok responded 1
reply "${files[1]}" "$T/in/cur" ":2,S"
ok "a reply dropped into cur/ is recorded at once" until_ok responded 2
ok "the mailbox was listed in full once only" \
	eq 1 "$(grep -c 'full listing' "$T/run.log")"
ok "later listings read only what arrived (never the 200)" \
	bash -c "grep 'arrivals listing' '$T/run.log' | grep -q . &&
		! grep 'arrivals listing' '$T/run.log' |
		grep -Eq ', [0-9]{2,} messages'"
# queue retry: a delivery held back until tomorrow (as after a temporary
# refusal; set in the store, the message file taken away) goes out again
# as soon as it is retried
rm -f "$T"/out/new/*
sqlite3 "$T/a.db" "update deliveries set state = 'deferred', next_attempt = strftime('%s','now') + 86400 where contact_id = (select id from contacts where email = 'a@example.org')"
A queue retry --all >/dev/null
ok "queue retry wakes the daemon: the deferred message goes out" \
	until_ok n_in "$T/out/new" 1
ok "the wake FIFO exists while it runs" test -p "$T/a.db.wake"
kill -TERM $pid
ok "SIGTERM: exits 0" until_ok gone $pid
wait $pid; rc=$?; pid=
ok "exit status 0, the FIFO removed" bash -c "[ $rc = 0 ] && [ ! -e '$T/a.db.wake' ]"
sed 's/^/# /' "$T/run.log" | grep -v 'arrivals listing' | tail -15
exit 0
