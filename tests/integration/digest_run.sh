#!/usr/bin/env bash
# digest_run.sh -- the daemon sends the staff digest on its [digest]
# schedule: the slot due at start fires once (a restart in the same slot
# sends nothing again), to the [staff] address only, as an
# auto-generated mail; SIGHUP with a changed schedule fires its slot.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
make_tmp
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
echo "1..4"
conf() {
	maildir_conf "$T" <<CONF
[daemon]
fetch_interval = 3600
[feedback]
enabled = no
$1
CONF
}
# the store's clock is set (2026-12-01 10:20 UTC): the slot at or before
# it, 07:30 in Sofia (05:30 UTC), is the one the daemon fires at start
export ANKETA_NOW=1796120400
conf "[digest]
schedule = 30 7 * * *
timezone = Europe/Sofia
[staff]
desk@example.org = bg"
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
q() { sqlite3 "$T/a.db" "$1"; }
printf 'email,name,municipality,country,language,groups,role\na@example.org,Anna,Gent,BE,en,s,official\n' >"$T/c.csv"
A contacts import "$T/c.csv" >/dev/null
survey_campaign "$T/s1.campaign" s1 2099-12-31 s
A campaign add "$T/s1.campaign" >/dev/null

digests() { grep -l '^To: .*desk@example.org' "$T"/out/new/* 2>/dev/null | wc -l; }
sent_digest() { [ "$(digests)" -ge 1 ]; }
two_digests() { [ "$(digests)" -eq 2 ]; }
start() {
	"$ANKETA_BIN" -v -c "$T/a.conf" run >>"$T/run.log" 2>&1 &
	pid=$!
}
stop() { kill -TERM $pid && until_ok gone $pid; wait $pid; pid=; }

start
ok "the digest of the slot due at start goes to the staff address" \
	until_ok sent_digest
f=$(grep -l '^To: .*desk@example.org' "$T"/out/new/* | head -1)
ok "... as an auto-generated mail" grep -qi '^Auto-Submitted: auto-generated' "$f"
stop
start
until_ok eq 2 "$(passes)"
until_ok pass_over
ok "a restart in the same slot sends no second digest" \
	eq "1 1" "$(digests) $(q "select count(*) from deliveries where kind = 'digest'")"
conf "[digest]
schedule = 0 9 * * *
timezone = Europe/Sofia
[staff]
desk@example.org = bg"
kill -HUP $pid
ok "SIGHUP with a changed [digest] schedule: its new slot fires" \
	until_ok two_digests
stop
