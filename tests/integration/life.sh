#!/usr/bin/env bash
# life.sh -- a campaign's life on the command line, no mail servers but
# the scripted SMTP server of smtp_script.py (slow on purpose) and a
# Maildir:
#  - paused while `anketa send` works (the server answers each command
#    after a delay): no mail is handed over after the pause, the run ends,
#    status and campaign list say paused; resume lets it go on; stop
#    cancels what waits, is final, and send refuses it;
#  - closed at its deadline (the store's clock set with ANKETA_NOW):
#    send refuses it, the outbox hands none of its mail over, a contact
#    imported after the deadline gets nothing, a reply is recorded and
#    marked late.
# KEEP=1 keeps the temporary directory.
. "$(dirname "$0")/lib.sh"
[ -n "${ANKETA_SKIP_INTEGRATION:-}" ] && skip_all "ANKETA_SKIP_INTEGRATION set"
command -v python3 >/dev/null || skip_all "python3 missing (scripted SMTP server)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 missing (store checks)"
[ -x "$ANKETA_BIN" ] || skip_all "$ANKETA_BIN not built"
make_tmp
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
echo "1..20"
S=$ANKETA_SRCDIR

# ---- paused, resumed, stopped while a send runs ----
python3 "$S/tests/integration/smtp_script.py" --port-file "$T/port" \
	--log "$T/accepted.log" --delay 0.1 &
pids+=($!)
for i in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.1; done
: >>"$T/accepted.log"
printf 'concurrency = 1\nrequire_tls = no\ntimeout = 10\n' |
	write_conf "$T/p.conf" "$T/p.db" "smtp://127.0.0.1:$(cat "$T/port")"
P() { "$ANKETA_BIN" -c "$T/p.conf" "$@"; }
pq() { sqlite3 "$T/p.db" "$1"; }
{
	echo 'email,name,municipality,country,language,groups,role'
	for i in 1 2 3 4 5 6 7 8; do
		echo "p$i@example.org,P$i,Gent,BE,en,w,officer"
	done
} >"$T/p.csv"
survey_campaign "$T/w.campaign" w 2099-12-20 w
P contacts import "$T/p.csv" >/dev/null && P campaign add "$T/w.campaign" \
	>/dev/null || echo "# setting up failed"
accepted() { wc -l <"$T/accepted.log"; }
handed() { pq "SELECT count(*) FROM deliveries WHERE state = 'sent' OR state = 'sending' OR state = 'unknown'"; }

P send w >"$T/send1.out" 2>&1 &
spid=$!
pids+=($spid)
for i in $(seq 1 300); do [ "$(accepted)" -ge 2 ] && break; sleep 0.05; done
P campaign pause w >"$T/pause.out" 2>&1
at_pause=$(handed)
# the run ends on its own: nothing of w may be claimed or handed over
for i in $(seq 1 200); do kill -0 $spid 2>/dev/null || break; sleep 0.05; done
ended() { ! kill -0 $spid 2>/dev/null; }
ok "pause: the running send ends" ended
sleep 1
# the one mail in flight when the pause came may still be accepted
ok "paused mid-send: no mail handed over after the pause, the rest waits" \
	eq "$at_pause $at_pause 1" "$(handed) $(accepted) $([ "$(pq "SELECT count(*) FROM deliveries WHERE state = 'pending'")" -gt 0 ] && [ "$at_pause" -ge 2 ] && echo 1)"
jstate() { P status --json | python3 -c "import json, sys; print({c['name']: c for c in json.load(sys.stdin)['campaigns']}['w']['state'])"; }
ok "status --json: paused" eq paused "$(jstate)"
ok "status and campaign list: paused" \
	bash -c "'$ANKETA_BIN' -c '$T/p.conf' status | grep -Eq '^w +paused ' && '$ANKETA_BIN' -c '$T/p.conf' campaign list | grep -Eq '^w +survey +paused '"
P send --all >/dev/null 2>&1
ok "send --all while paused hands nothing over" eq "$at_pause" "$(handed)"

P campaign resume w >/dev/null
P send --limit 2 w >/dev/null 2>&1
ok "resume: the mail goes again (2 more)" eq "$((at_pause + 2)) $((at_pause + 2)) open" "$(handed) $(accepted) $(jstate)"
P campaign stop w >"$T/stop.out"
left=$((8 - at_pause - 2))
ok "stop: what waits is cancelled" \
	eq "campaign w: stopped, $left waiting mails cancelled $left stopped" "$(cat "$T/stop.out") $(pq "SELECT count(*) FROM deliveries WHERE state = 'cancelled'") $(jstate)"
P send w >"$T/send2.out" 2>&1
rc=$?
ok "stopped: send refuses it, nothing more goes" \
	bash -c "[ $rc != 0 ] && grep -q \"campaign 'w': stopped\" '$T/send2.out' && [ \"\$(sqlite3 '$T/p.db' \"SELECT count(*) FROM deliveries WHERE state = 'sent'\")\" = $((at_pause + 2)) ] || { cat '$T/send2.out'; exit 1; }"
P campaign resume w >"$T/resume2.out" 2>&1
rc=$?
ok "a stop is final: resume refuses" \
	bash -c "[ $rc != 0 ] && grep -q 'a stop is final' '$T/resume2.out'"

# ---- closed at the deadline ----
maildir_conf "$T/m" </dev/null
M() { "$ANKETA_BIN" -c "$T/m/a.conf" "$@"; }
mq() { sqlite3 "$T/m/a.db" "$1"; }
before=1893412800	# 2029-12-31 12:00 UTC
after=1893585600	# 2030-01-02 12:00 UTC
printf 'email,name,municipality,country,language,groups,role,timezone\na@one.org,Anna,Gent,BE,en,d,official,America/Toronto\nb@two.org,Boris,Kavarna,BG,bg,d,official,\nc@two.org,Cyril,Sofia,BG,bg,d,official,\n' >"$T/m.csv"
printf '[campaign]\nname = d\nquestionnaire = %s/surveys/exchange-visit-feedback.xml\ntemplate = survey\ndeadline = 2030-01-01\ntimezone = Europe/Sofia\n[audience]\ngroup = d\n' "$S" >"$T/d.campaign"
M contacts import "$T/m.csv" >/dev/null && M campaign add "$T/d.campaign" \
	>/dev/null || echo "# setting up failed"
ok "the deadline: the end of the day in Sofia, as UTC" \
	eq "1893535199 Europe/Sofia" "$(mq "SELECT deadline_at || ' ' || timezone FROM campaigns")"
ok "status --json: the deadline's instant and zone, no start: a draft" \
	eq "2030-01-01T21:59:59Z Europe/Sofia None draft" "$(ANKETA_NOW=$before M status --json | python3 -c "import json, sys; c = json.load(sys.stdin)['campaigns'][0]; print(c['deadline_utc'], c['timezone'], c['start_utc'], c['state'])")"
# the deadline in each reader's zone and language (preview: nothing sent)
ANKETA_NOW=$before M send --dry-run --preview "$T/prev" d >/dev/null 2>&1
body() { python3 -c "import email, sys; m = email.message_from_binary_file(open(sys.argv[1], 'rb')); print(next(p for p in m.walk() if p.get_content_type() == 'text/plain').get_payload(decode=True).decode())" "$(ls "$T/prev/"*"$1"*)"; }
# Anna: her own zone (the contacts file's timezone column); Boris: his
# country's
ok "the deadline shown in the reader's zone and language" \
	bash -c "$(declare -f body); T='$T'; body a@one.org | grep -q 'by 1 January 2030, 16:59' && body b@two.org | grep -q 'до 1 януари 2030[^,]' || { body a@one.org; body b@two.org; exit 1; }"
ANKETA_NOW=$before M send --limit 1 d >/dev/null 2>&1
sent_files() { find "$T/m/out/new" -type f | wc -l; }
ANKETA_NOW=$after M send d >"$T/closed.out" 2>&1
rc=$?
ok "closed: send refuses it, naming the deadline" \
	bash -c "[ $rc != 0 ] && grep -q \"campaign 'd': closed: its deadline passed\" '$T/closed.out' || { cat '$T/closed.out'; exit 1; }"
ANKETA_NOW=$after M send --all >/dev/null 2>&1
ok "closed: the outbox hands none of its waiting mail over" \
	eq "1 2" "$(sent_files) $(mq "SELECT count(*) FROM deliveries WHERE state = 'pending'")"
printf 'email,name,municipality,country,language,groups,role\nnew@three.org,Nina,Sofia,BG,bg,d,official\n' >"$T/m2.csv"
ANKETA_NOW=$after M contacts import "$T/m2.csv" >/dev/null
ANKETA_NOW=$after M send --all >/dev/null 2>&1
ok "a contact imported after the deadline is not invited" \
	eq "1 0" "$(sent_files) $(mq "SELECT count(*) FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE c.email = 'new@three.org'")"
f=$(find "$T/m/out/new" -type f | head -1)
printf '1\t5\n2\t4\n4\tThe school visits.\n5\tA homework club.\n10\tyes\n' >"$T/ans"
perl "$S/tests/integration/reply.pl" top "$f" "$T/ans" >"$T/m/in/new/r1" &&
	ANKETA_NOW=$after M fetch >/dev/null 2>&1
ok "a reply after the deadline is recorded and marked late" \
	eq "1 1" "$(mq "SELECT count(*) || ' ' || sum(late) FROM responses")"
ok "the report counts it late, in text and JSON" \
	eq "1 1" "$(M report d | grep -c '^Responses: 1 of 1 delivered (100.0%), 1 late (after the deadline)$') $(M report --format json d | python3 -c 'import json, sys; print(json.load(sys.stdin)["responses"]["late"])')"
# ---- the deadline moves: those who have not answered are told, once ----
sed 's/^deadline = 2030-01-01$/deadline = 2031-01-01/' "$T/d.campaign" >"$T/d2.campaign"
sed 's/^deadline = 2030-01-01$/deadline = 2032-01-01/' "$T/d.campaign" >"$T/d3.campaign"
ANKETA_NOW=$after M campaign update "$T/d2.campaign" >/dev/null 2>&1
ANKETA_NOW=$after M send --all >/dev/null 2>&1	# open again: the rest invited
told() { ANKETA_NOW=$after M campaign update --notify "$T/d3.campaign" 2>&1 | sed -n 's/.*: \([0-9]*\) who have not answered.*/\1/p'; }
ok "update --notify: every invited contact without an answer is told" \
	eq "2 2 0" "$(told) $(mq "SELECT count(*) FROM deliveries WHERE kind = 'deadline'") $(mq "SELECT count(*) FROM deliveries d JOIN responses r ON r.contact_id = d.contact_id WHERE d.kind = 'deadline'")"
ok "... once per deadline (the same update again tells no one)" \
	eq "0 2" "$(told) $(mq "SELECT count(*) FROM deliveries WHERE kind = 'deadline'")"
ANKETA_NOW=$after M send --all >/dev/null 2>&1
with2032() { python3 -c "
import email, glob, sys
n = 0
for f in glob.glob(sys.argv[1] + '/*'):
    m = email.message_from_binary_file(open(f, 'rb'))
    for p in m.walk():
        if p.get_content_type() == 'text/plain' and any(d in p.get_payload(decode=True).decode() for d in ('1 януари 2032', '1 January 2032')):
            n += 1
print(n)" "$T/m/out/new"; }
ok "the notes go out with the new deadline in the reader's language" \
	eq 2 "$(with2032)"
[ $tap_failed = 0 ]
