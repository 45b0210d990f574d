#!/usr/bin/env bash
# smtpdown.sh -- the receive path never waits for SMTP. With the
# submission server down, replies are recorded and moved out of new/ at
# once and their confirmations wait in the outbox; the send that finds
# the server down pauses it and says why; once the server is back the
# confirmations go out exactly once.
. "$(dirname "$0")/lib.sh"
make_tmp
sink=
trap '[ -n "$sink" ] && kill $sink 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
echo "1..7"
S=$ANKETA_SRCDIR
command -v smtp-sink >/dev/null || { echo "1..0 # SKIP smtp-sink missing"; exit 0; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T"/out/{tmp,new,cur} "$T"/in/{tmp,new,cur} "$T/dump"
chmod 777 "$T/dump"	# smtp-sink writes as nobody
# invitations through a Maildir (to have something to answer); the
# feedback later through SMTP on $port, where nothing listens yet
write_conf "$T/m.conf" "$T/a.db" "maildir:$T/out" <<CONF
[imap]
url = maildir:$T/in
CONF
write_conf "$T/a.conf" "$T/a.db" "smtp://127.0.0.1:$port" <<CONF
timeout = 5
require_tls = no
[imap]
url = maildir:$T/in
[queue]
pause = 600
CONF
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
{
	echo "email,name,municipality,country,language,groups,role"
	for i in 1 2 3; do echo "r$i@example.org,R $i,Gent,BE,en,c,official"; done
} >"$T/c.csv"
printf '[campaign]\nname = c1\nquestionnaire = %s/surveys/exchange-visit-feedback.xml\ntemplate = survey\ndeadline = 2030-12-20\n[audience]\ngroup = c\n' "$S" >"$T/c1.campaign"
A contacts import "$T/c.csv" >/dev/null && A campaign add "$T/c1.campaign" >/dev/null
"$ANKETA_BIN" -c "$T/m.conf" send c1 >/dev/null 2>&1
printf '1\t5\n2\t4\n4\tSchools.\n5\tA homework club.\n10\tyes\n' >"$T/ans"
for f in "$T"/out/new/*; do
	perl "$S/tests/integration/reply.pl" top "$f" "$T/ans" >"$T/in/new/r.$(basename "$f")"
done

# fetch with SMTP down: bounded (the old receive path waited 30 s a reply)
timeout 20 "$ANKETA_BIN" -c "$T/a.conf" fetch >"$T/fetch.log" 2>&1
ok "fetch finishes with SMTP down" eq 0 $?
ok "every reply recorded" eq 3 "$(sqlite3 "$T/a.db" "select count(*) from inbound where kind = 'answers'")"
ok "and moved out of new/ at once" eq 0 "$(ls "$T/in/new" | wc -l)"
ok "three confirmations wait in the outbox" eq 3 \
	"$(sqlite3 "$T/a.db" "select count(*) from deliveries where kind = 'confirm' and state = 'pending'")"

# a send while the server is down: paused with the reason, nothing lost
A send --all >"$T/send1.log" 2>&1
paused() {
	grep -q "127.0.0.1:$port: sending paused until" "$T/send1.log" &&
		A queue >"$T/queue" && grep -q "^sending through 127.0.0.1:$port paused until .*: connection refused" "$T/queue" &&
		grep -c confirm "$T/queue" | grep -qx 3
}
ok "send with the server down pauses it, says why (also in anketa queue), keeps the mail" paused

# the server comes back: each confirmation goes out once
smtp-sink -u nobody -d "$T/dump/%M." "127.0.0.1:$port" 100 >/dev/null 2>&1 &
sink=$!
for i in $(seq 1 50); do
	python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),1).close()" 2>/dev/null && break
	sleep 0.1
done
# the organiser sees the server is back and asks for a retry now, which
# ends the pause (the pause is long: a slow machine must not lift it)
A queue retry --all >/dev/null
A send --all >"$T/send2.log" 2>&1
A send --all >>"$T/send2.log" 2>&1
ok "once the server is back the confirmations go out" eq 3 \
	"$(sqlite3 "$T/a.db" "select count(*) from deliveries where kind = 'confirm' and state = 'sent'")"
once() {
	local n
	n=$(cat "$T"/dump/* 2>/dev/null | grep -c '^Subject: .*recorded')
	[ "$n" = 3 ] || { echo "the server got $n confirmations"; cat "$T/send2.log"; return 1; }
}
ok "the server got each confirmation exactly once" once
exit $((tap_failed > 0))
