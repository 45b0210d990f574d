#!/usr/bin/env bash
# schedule.sh -- `anketa run` with a campaign [schedule] (Maildir in and
# out, real time, no sleep in the daemon): the wave of the current hour
# goes out at start and holds to its rate (1/hour: one invitation, the
# others wait); a restart fires nothing twice (the firing is recorded
# with what it enqueued); a row enqueued for later by another process
# goes out when due, by the daemon's own timer, with no wake-up; SIGHUP
# with a changed schedule reschedules (the log shows the new one) and a
# schedule without waves invites the rest at once; a bad [schedule] key
# is refused with FILE:LINE. Every wait is a bounded poll.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
make_tmp
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
echo "1..10"
maildir_conf "$T" <<CONF
[daemon]
fetch_interval = 3600
[feedback]
enabled = no
CONF
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
q() { sqlite3 "$T/a.db" "$1"; }
printf 'email,name,municipality,country,language,groups,role,timezone\na@example.org,Anna,Gent,BE,en,s,official,\nb@example.org,Boris,Kavarna,BG,bg,s,official,\nc@example.org,Cyrus,Ostrava,CZ,cs,s,official,America/Toronto\n' >"$T/c.csv"
A contacts import "$T/c.csv" >/dev/null
survey_campaign "$T/s1.campaign" s1 2099-12-31 s
cp "$T/s1.campaign" "$T/bad.campaign"
printf '[schedule]\nrate = 1/hour\nreminders = 3d 09:00, 7d 09:00\n' >>"$T/s1.campaign"
printf '[schedule]\nrate = 1/minute\n' >>"$T/bad.campaign"
bad() { A campaign check "$T/bad.campaign" 2>&1 | grep -q "bad.campaign:9: \[schedule\] rate: expected N/hour"; }
ok "a bad [schedule] key: FILE:LINE and the reason" bad
A campaign add "$T/s1.campaign" >/dev/null
# status: when the waves and reminders fire next, and when it closes, at
# a clock the test sets (2026-12-01 10:20 UTC): waves on the hour,
# reminders every quarter hour (daemon.c's sched_jobs)
nexts() { ANKETA_NOW=1796120400 A status --json | python3 -c "import json, sys; d = json.load(sys.stdin); s = [c['schedule'] for c in d['campaigns'] if c['name'] == 's1'][0]; print(s['next_waves'], s['next_reminders'], s['closes'])"; }
ok "status: the next wave, the next reminder pass, the deadline" \
	eq "['2026-12-01T11:00:00Z'] ['2026-12-01T10:30:00Z'] 2099-12-31T23:59:59Z" "$(nexts)"
ok "the contact's own zone is imported" \
	eq America/Toronto "$(q "select timezone from contacts where email = 'c@example.org'")"

start() {
	"$ANKETA_BIN" -v -c "$T/a.conf" run >>"$T/run.log" 2>&1 &
	pid=$!
}
stop() { kill -TERM $pid && until_ok gone $pid; wait $pid; pid=; }

start
ok "the wave of this hour: one invitation (rate 1/hour)" \
	until_ok n_in "$T/out/new" 1
until_ok pass_over
ok "one firing, one row; the others wait for the next hour" \
	eq "1 1 1" "$(q "select count(*) || ' ' || sum(enqueued) from firings") $(q "select count(*) from deliveries")"
stop
start
until_ok grep -c 'send: started pid' "$T/run.log"
until_ok eq 2 "$(passes)"
until_ok pass_over
ok "a restart in the same hour fires nothing again" \
	eq "1 1 1" "$(q "select count(*) from firings") $(q "select count(*) from deliveries") $(ls "$T/out/new" | wc -l)"
# another process enqueues a row due in 3 s, then wakes the daemon once:
# the pass finds it not yet due, the daemon's timer sends it when due
q "insert into deliveries(campaign_id, contact_id, kind, state, token, not_before, queued, created, updated) select 1, id, 'invite', 'pending', 'tok-later', strftime('%s','now') + 3, 0, 0, 0 from contacts where email = 'b@example.org'"
n=$(passes)
kill -USR1 $pid
until_ok eq $((n + 1)) "$(passes)"
until_ok pass_over
ok "a row due later goes out when due, on the daemon's own timer" \
	until_ok n_in "$T/out/new" 2
ok "the timer was armed from the store's next due time" \
	grep -q 'send: next row due at' "$T/run.log"
# the schedule changes (as `campaign update` will store it): no waves
# any more, so the rest of the audience is invited at once
q "update campaign_schedules set text = 'reminders=3d 10:00;'"
kill -HUP $pid
ok "SIGHUP: the changed schedule is logged with its next times" \
	until_ok grep -q 'schedule s1: reminders=3d 10:00; next waves at .* next reminders at' "$T/run.log"
ok "SIGHUP: without waves the rest is invited at once" \
	until_ok n_in "$T/out/new" 3
stop
sed 's/^/# /' "$T/run.log" | tail -15
exit 0
