#!/usr/bin/env bash
# send_errors.sh -- what "anketa send" does when the mail server is not
# there, refuses one recipient for good (5xx) or for now (4xx): the error
# names host:port, the refusal is recorded with the server's own words,
# everybody else is sent, a template mistake stops the run before any
# mail leaves, and a second run sends nothing twice.
#
# The server is tests/integration/smtp_script.py on 127.0.0.1 (smtp-sink
# can only refuse every RCPT, not one recipient): "reject" in an address
# gets 550 5.1.1, "defer" 451; it logs what it accepted.
. "$(dirname "$0")/lib.sh"
[ -n "${ANKETA_SKIP_INTEGRATION:-}" ] && skip_all "ANKETA_SKIP_INTEGRATION set"
command -v python3 >/dev/null || skip_all "python3 missing (scripted SMTP server)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 missing (store checks)"
[ -x "$ANKETA_BIN" ] || skip_all "$ANKETA_BIN not built"
make_tmp
srv_pid=
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$T"' EXIT
S=$ANKETA_SRCDIR

# A port nobody listens on: bound, read, released.
dead_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

conf() {	# conf URL [REQUIRE_TLS]
	cat >"$T/a.conf" <<CONF
[store]
path = $T/a.db
[paths]
templates = ${TEMPLATES:-$S/templates}
surveys = $S/surveys
schema = $S/surveys/survey.rng
[sender]
address = organiser@example.org
name = Programme team
reply_to = organiser+{token}@example.org
[smtp]
url = $1
require_tls = ${2:-no}
timeout = 10
concurrency = 3
CONF
}
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
q() { sqlite3 "$T/a.db" "$1"; }

cat >"$T/c.csv" <<'CSV'
email,name,municipality,country,language,groups,role
ana@example.org,Ana Petrova,Kavarna,BG,bg,fs,mayor's office
reject.me@example.org,Boris Ivanov,Shumen,BG,bg,fs,mediator
jan@example.org,Jan Peeters,Gent,BE,nl,fs,coordinator
defer.me@example.org,Eva Dvořák,Ostrava,CZ,cs,fs,coordinator
mia@example.org,Mia Novak,Ostrava,CZ,cs,fs,coordinator
tom@example.org,Tom Smith,Gent,BE,en,fs,officer
CSV
cat >"$T/fs.campaign" <<CAMP
[campaign]
name = fs-test
kind = survey
questionnaire = $S/surveys/field-study.xml
template = survey
reference = FST
deadline = 2099-03-15
[audience]
group = fs
CAMP

echo "1..14"
conf "smtp://127.0.0.1:$dead_port"
A contacts import "$T/c.csv" >/dev/null 2>&1
A campaign add "$T/fs.campaign" >/dev/null 2>&1

# 1-3: the server is not there
A send fs-test >"$T/unreach.out" 2>"$T/unreach.err"
rc=$?
ok "unreachable server: non-zero exit" test "$rc" -ne 0
ok "unreachable server: the error names 127.0.0.1:$dead_port" \
	grep -q "127.0.0.1:$dead_port" "$T/unreach.err"
ok "unreachable server: nothing marked sent" \
	eq 0 "$(q "SELECT count(*) FROM deliveries WHERE state = 'sent'")"

# 4: a template mistake stops the run before anything is sent
cp -r "$S/templates" "$T/tpl"
printf 'Q: {{{no_such_var}}}\n' >>"$T/tpl/survey/nl/body.txt"
TEMPLATES=$T/tpl conf "smtp://127.0.0.1:$dead_port"
tmpl_err() {
	A send --dry-run fs-test 2>&1 | tee /dev/stderr |
		grep -q "tpl/survey/nl/body.txt: line [0-9]*: .*no_such_var" &&
		[ "$(q "SELECT count(*) FROM deliveries WHERE state = 'sent'")" = 0 ]
}
ok "template error: names file, line and variable; nothing sent" tmpl_err

# the scripted server
python3 "$S/tests/integration/smtp_script.py" --port-file "$T/port" \
	--log "$T/accepted.log" &
srv_pid=$!
for i in $(seq 1 50); do [ -s "$T/port" ] && break; sleep 0.1; done
port=$(cat "$T/port")
: >>"$T/accepted.log"

# 5-6: the server offers no STARTTLS and the config requires it: refused
conf "smtp://127.0.0.1:$port" yes
A send fs-test >"$T/tls.out" 2>"$T/tls.err"
rc=$?
ok "STARTTLS required but not offered: exit 69, the reason names the server" \
	bash -c "[ $rc = 69 ] && grep -qi 'tls' '$T/tls.err' && grep -q '127.0.0.1:$port' '$T/tls.err' || { cat '$T/tls.err'; exit 1; }"
ok "STARTTLS required but not offered: nothing handed over, nothing sent" \
	bash -c "[ ! -s '$T/accepted.log' ] && [ \"\$(sqlite3 '$T/a.db' \"SELECT count(*) FROM deliveries WHERE state = 'sent'\")\" = 0 ]"
conf "smtp://127.0.0.1:$port"
# the refusal paused sending through that server; the organiser fixed
# the configuration and asks for a retry now (as postqueue -f)
A queue retry --all >/dev/null

# 7-12: one 5xx, one 4xx, four delivered
A send fs-test >"$T/send.out" 2>"$T/send.err"
rc=$?
ok "send with refusals: exit 75 (some failed or deferred)" eq 75 "$rc"
ok "send: the summary counts 4 sent, 1 failed, 1 deferred" \
	grep -q "4 sent, 1 failed, 1 deferred" "$T/send.out"
ok "server accepted exactly the four others" \
	eq "ana@example.org jan@example.org mia@example.org tom@example.org" \
	"$(tr -d '<>' <"$T/accepted.log" | sort | tr '\n' ' ' | sed 's/ $//')"
reply_of() {
	q "SELECT d.state || '|' || d.last_reply FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE c.email = '$1'"
}
ok "5xx: failed with the server's reply verbatim" \
	eq "failed|550 5.1.1 <reject.me@example.org>: Recipient address rejected: User unknown in local recipient table" \
	"$(reply_of reject.me@example.org)"
ok "4xx: deferred with the server's reply verbatim" \
	eq "deferred|451 4.3.0 <defer.me@example.org>: Temporary lookup failure" \
	"$(reply_of defer.me@example.org)"
ok "accepted: sent with the server's queue reply" \
	eq "sent|250 2.0.0 Ok: queued as TEST1" "$(reply_of ana@example.org)"

# 13-14: a second run retries only the deferred one (made due now: its
# back-off is minutes) and sends nothing twice
A queue retry --all >/dev/null
A send fs-test >"$T/send2.out" 2>&1
ok "second run: nothing sent twice" eq 4 "$(wc -l <"$T/accepted.log")"
ok "second run: only the deferred delivery was tried again" \
	grep -q "0 sent, 0 failed, 1 deferred" "$T/send2.out"

[ "$tap_failed" = 0 ]
