#!/usr/bin/env bash
# status.sh -- `anketa status [--json]` on a Maildir transport, no mail
# servers: a campaign before it is sent (draft), after a partial send
# (open, counts by state), with a deferred row (an smtp:// url on a closed
# port of 127.0.0.1: the refusal, the pause and the domain), with a
# server reply that carries a terminal escape (shown defused), and with a
# running daemon (its pid) that is then killed (not running). The JSON is
# read with python3, never grepped.
# KEEP=1 keeps the temporary directory.
. "$(dirname "$0")/lib.sh"
[ -n "${ANKETA_SKIP_INTEGRATION:-}" ] && skip_all "ANKETA_SKIP_INTEGRATION set"
command -v python3 >/dev/null || skip_all "python3 missing"
[ -x "$ANKETA_BIN" ] || skip_all "$ANKETA_BIN not built"
make_tmp
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
echo "1..25"
S=$ANKETA_SRCDIR
maildir_conf "$T" </dev/null
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
# j EXPR: EXPR over the status JSON d (python), printed
j() { A status --json | python3 -c "import json, sys; d = json.load(sys.stdin); c = {x['name']: x for x in d['campaigns']}; print($1)"; }
printf 'email,name,municipality,country,language,groups,role\na@one.org,Anna,Gent,BE,en,d,official\nb@two.org,Boris,Kavarna,BG,bg,d,official\nc@two.org,Cyril,Sofia,BG,bg,d,official\n' >"$T/c.csv"
survey_campaign "$T/d1.campaign" d1 2099-12-20 d
survey_campaign "$T/old.campaign" old 2001-01-31 d
A contacts import "$T/c.csv" >/dev/null && A campaign add "$T/d1.campaign" >/dev/null &&
	A campaign add "$T/old.campaign" >/dev/null || echo "# setting up failed"

# 1-3: before any send
ok "before send: d1 is a draft with nothing queued" \
	eq "draft 0 0 None" "$(j "c['d1']['state'], sum(c['d1']['deliveries'].values()), d['queue']['deliveries']['pending'], c['d1']['next_due']")"
ok "a campaign past its deadline is closed" eq closed "$(j "c['old']['state']")"
ok "no daemon: not running" eq False "$(j "d['daemon']['running']")"
ok "every delivery state is counted, by the store's names" \
	eq "cancelled deferred failed pending sending sent skipped unknown" "$(j "' '.join(sorted(c['d1']['deliveries']))")"
ok "the mailbox: the configured source, nothing received yet" \
	eq "maildir:$T/in {} None" "$(j "d['mailbox']['source'], d['mailbox']['inbound'], d['mailbox']['last_received']")"
ok "no fetch yet: no connection recorded" eq "[]" "$(j "d['mailbox']['connection']")"
ok "no [schedule]: no wave, no reminder; it closes at its deadline" \
	eq "[] [] 2099-12-20T23:59:59Z" "$(j "c['d1']['schedule']['next_waves'], c['d1']['schedule']['next_reminders'], c['d1']['schedule']['closes']")"

# 4-6: a partial send
A send --limit 1 d1 >/dev/null 2>&1
ok "after send --limit 1: open, 1 sent, 2 pending, due now" \
	eq "open 1 2 0 True" "$(j "c['d1']['state'], c['d1']['deliveries']['sent'], c['d1']['deliveries']['pending'], c['d1']['deliveries']['deferred'], c['d1']['next_due'] == d['now']")"
ok "the deadline as the campaign file gives it" eq 2099-12-20 "$(j "c['d1']['deadline']")"
# the text: one header, each count right-aligned under its state's name
aligned() {
	A status >"$T/text" || return 1
	cat "$T/text"
	grep -Eq '^d1 +open +2099-12-20 +2 +0 +1 ' "$T/text" &&
		grep -Eq '^old +closed +2001-01-31 +0 ' "$T/text" &&
		python3 - "$T/text" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
hdr = next(l for l in lines if l.startswith("campaign "))
ends = lambda l: [m.end() for m in re.finditer(r"\S+", l)]
for row in (l for l in lines if l.startswith(("d1 ", "old "))):
    # name, state, deadline, then 8 counts: their ends match the header's
    assert ends(row)[3:11] == ends(hdr)[3:11], (hdr, row)
PY
}
ok "text: campaign rows aligned under the header" aligned

# 7-10: a deferred row: the submission server's port is closed
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
write_conf "$T/s.conf" "$T/a.db" "smtp://127.0.0.1:$port" <<CONF
[imap]
url = maildir:$T/in
CONF
"$ANKETA_BIN" -c "$T/s.conf" send d1 >/dev/null 2>&1
# the sender may defer one row and pause, or both of the two that waited
ok "deferred: counted, and d1 paused with it" \
	eq "paused True 1" "$(j "c['d1']['state'], c['d1']['deliveries']['deferred'] + c['d1']['deliveries']['pending'] == 2 and c['d1']['deliveries']['deferred'] >= 1, len(d['queue']['paused'])")"
ok "deferred: the last error names the server and why, the address, attempts" \
	eq "deferred True two.org 1 127.0.0.1:$port" "$(j "c['d1']['errors'][0]['state'], 'connection refused' in c['d1']['errors'][0]['reply'] and '127.0.0.1:$port' in c['d1']['errors'][0]['reply'], c['d1']['errors'][0]['rcpt'].split('@')[1], c['d1']['errors'][0]['attempts'], d['queue']['paused'][0]['site']")"
ok "deferred: grouped by the recipient's domain with the reason" \
	eq "two.org True True" "$(j "d['queue']['deferred'][0]['domain'], d['queue']['deferred'][0]['count'] == c['d1']['deliveries']['deferred'], 'connection refused' in d['queue']['deferred'][0]['reason']")"
ok "paused: nothing is due before the pause ends" \
	eq True "$(j "c['d1']['next_due'] == d['queue']['paused'][0]['until'] > d['now']")"

# 11-12: a server reply with a terminal escape in it
A queue retry --all >/dev/null
python3 "$S/tests/integration/smtp_script.py" --port-file "$T/port" \
	--mail $'451 4.3.0 \e[2J\e]0;pwned\a busy' &
pids+=($!)
for i in $(seq 1 50); do [ -s "$T/port" ] && break; sleep 0.1; done
write_conf "$T/e.conf" "$T/a.db" "smtp://127.0.0.1:$(cat "$T/port")" <<CONF
require_tls = no
[imap]
url = maildir:$T/in
CONF
"$ANKETA_BIN" -c "$T/e.conf" send d1 >/dev/null 2>&1
ok "the reply is kept verbatim in the JSON" \
	eq True "$(j "any('\x1b[2J' in e['reply'] for e in c['d1']['errors'])")"
defused() {
	A status >"$T/text" || return 1
	cat -v "$T/text"
	grep -q 'busy' "$T/text" && ! grep -q $'\e' "$T/text" &&
		! grep -q $'\a' "$T/text"
}
ok "text: no escape or control reaches the terminal" defused

# 13-16: a running daemon, then a killed one
A queue retry --all >/dev/null
"$ANKETA_BIN" -c "$T/a.conf" run >"$T/run.log" 2>&1 &
dpid=$!
pids+=($dpid)
running() {
	local i
	for i in $(seq 1 100); do
		[ "$(j "d['daemon']['running']")" = True ] && break
		sleep 0.1
	done
	eq "True $dpid $(hostname) True" "$(j "d['daemon']['running'], d['daemon']['pid'], d['daemon']['host'], d['daemon']['started'] <= d['now']")"
}
ok "a running daemon: its pid" running
# uptime: now - started, in seconds (both in the same JSON)
ok "a running daemon: its uptime" \
	eq True "$(j "__import__('calendar').timegm(__import__('time').strptime(d['now'], '%Y-%m-%dT%H:%M:%SZ')) - __import__('calendar').timegm(__import__('time').strptime(d['daemon']['started'], '%Y-%m-%dT%H:%M:%SZ')) == d['daemon']['uptime_s'] >= 0")"

ok "text: the daemon's pid" bash -c "'$ANKETA_BIN' -c '$T/a.conf' status | grep -q '^daemon *running, pid $dpid on '"
sent_all() {
	local i
	for i in $(seq 1 100); do
		[ "$(j "c['d1']['deliveries']['sent']")" = 3 ] && break
		sleep 0.1
	done
	eq "3 0 None" "$(j "c['d1']['deliveries']['sent'], sum(d['queue']['deliveries'][s] for s in ('pending', 'deferred', 'unknown')), d['queue']['next_due']")"
}
ok "the daemon sent the rest: nothing waits" sent_all
kill -KILL $dpid
wait $dpid 2>/dev/null
# its owners row is still there (no one reaped it); its lock is gone
ok "a killed daemon: not running, though its row is left" \
	bash -c "[ \"\$(sqlite3 '$T/a.db' \"SELECT count(*) FROM owners WHERE role = 'daemon'\")\" = 1 ] && [ \"\$('$ANKETA_BIN' -c '$T/a.conf' status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"daemon\"][\"running\"])')\" = False ]"
# a reply arrives and is fetched
f=$(grep -l '^To:.*a@one.org' "$T"/out/new/* | head -1)
printf '1\t5\n2\t4\n4\tThe school visits.\n5\tA homework club.\n10\tyes\n' >"$T/ans"
perl "$S/tests/integration/reply.pl" top "$f" "$T/ans" >"$T/in/new/r1" &&
	A fetch >/dev/null 2>&1
ok "the mailbox: inbound counted by kind, the last one's time" \
	eq "{'answers': 1} True" "$(j "d['mailbox']['inbound'], d['mailbox']['last_received'] is not None and d['mailbox']['last_received'] <= d['now']")"
ok "the connection: the last pass went through, no failure" \
	eq "maildir:$T/in ok True None None" "$(j "' '.join(map(str, [(x['source'], x['state'], x['last_ok'] <= d['now'], x['last_failure'], x['error']) for x in d['mailbox']['connection']][0]))")"
# a source that is not there: the failure is recorded with its reason
write_conf "$T/m.conf" "$T/a.db" "maildir:$T/out" <<CONF
[imap]
url = maildir:$T/gone
CONF
"$ANKETA_BIN" -c "$T/m.conf" fetch >/dev/null 2>&1
mj() { "$ANKETA_BIN" -c "$T/m.conf" status --json | python3 -c "import json, sys; d = json.load(sys.stdin); m = {x['source']: x for x in d['mailbox']['connection']}; print($1)"; }
ok "a failing source: failing, when and why" \
	eq "failing None True True" "$(mj "m['maildir:$T/gone']['state'], m['maildir:$T/gone']['last_ok'], m['maildir:$T/gone']['last_failure'] <= d['now'], '$T/gone' in m['maildir:$T/gone']['error']")"
ok "text: the failing connection and its reason" \
	bash -c "'$ANKETA_BIN' -c '$T/m.conf' status | grep -E '^  failing +maildir:$T/gone: last ok -, last failure [0-9T:-]+Z: .*$T/gone'"
[ $tap_failed = 0 ]
