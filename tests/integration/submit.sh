#!/usr/bin/env bash
# submit.sh -- one SMTP connection against a scripted server that
# misbehaves at each stage (tests/integration/smtp_script.py):
#  - what submit_send reports (stage, code, enhanced code, whether the dot
#    went out, a reply that names host:port and is never an earlier line)
#    and trouble_classify's verdict, through submit_probe; the cases that
#    need a body larger than the socket buffers (a dropped connection or a
#    server that stops reading mid-body) are only reachable that way;
#  - what `anketa send` records in the store for the same cases: sent,
#    deferred (4xx, 552 at RCPT, no reply after the dot), failed (552
#    after the dot), failed with the contact undeliverable (5.1.1), and a
#    paused server (5xx at MAIL FROM) that fails nobody.
# Timeouts are 1-2 s; nothing asserts a duration beyond "it finished"
# (each run is guarded by `timeout 60`).
. "$(dirname "$0")/lib.sh"
[ -n "${ANKETA_SKIP_INTEGRATION:-}" ] && skip_all "ANKETA_SKIP_INTEGRATION set"
command -v python3 >/dev/null || skip_all "python3 missing (scripted SMTP server)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 missing (store checks)"
[ -x "$ANKETA_BIN" ] || skip_all "$ANKETA_BIN not built"
PROBE=$(dirname "$ANKETA_BIN")/tests/integration/submit_probe
[ -x "$PROBE" ] || skip_all "$PROBE not built (make check builds it)"
make_tmp
srv_pid=
trap 'stop_server; rm -rf "$T"' EXIT
S=$ANKETA_SRCDIR

# start_server ARGS...: a fresh scripted server; sets $port.
start_server() {
	stop_server
	rm -f "$T/port"
	: >"$T/accepted.log"
	: >"$T/commands.log"
	python3 "$S/tests/integration/smtp_script.py" --port-file "$T/port" \
		--log "$T/accepted.log" --commands "$T/commands.log" "$@" &
	srv_pid=$!
	for i in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.1; done
	port=$(cat "$T/port")
}
stop_server() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	srv_pid=
}

# probe OUT ARGS...: submit_probe against the server, one line per fact
probe() {
	local out=$1; shift
	timeout 60 "$PROBE" "$@" >"$T/$out" 2>&1
	echo "exit $?" >>"$T/$out"
}
# fact OUT RCPT EXPECTED: the facts line of RCPT without curl's number
fact() {
	eq "$2 $3" "$(grep "^$2 stage=" "$T/$1" | sed 's/ curl=[0-9]*//')" ||
		{ cat "$T/$1"; return 1; }
}
# reply OUT RCPT EXPECTED: the reply line of RCPT
reply() {
	eq "$2 reply=$3" "$(grep "^$2 reply=" "$T/$1")" || { cat "$T/$1"; return 1; }
}

echo "1..50"

# ---- the probe: facts and verdicts ------------------------------------

start_server --slow 4
W="127.0.0.1:$port"
probe small -t 2 -b 2 -d 2 "smtp://$W" sender@example.org \
	ok1@x.org r451@x.org r452@x.org r552@x.org r550@x.org d552@x.org \
	dropdot@x.org slowdot@x.org ok2@x.org
ok "probe: finished" grep -q "^exit 0$" "$T/small"
ok "accepted: DONE, 250 with its enhanced code, sent" \
	fact small ok1@x.org "stage=DONE code=250 enhanced=2.0.0 dot=1 verdict=sent"
ok "451 at RCPT: deferred" \
	fact small r451@x.org "stage=RCPT code=451 enhanced=4.3.0 dot=0 verdict=defer"
ok "451 at RCPT: the server's reply verbatim" \
	reply small r451@x.org "451 4.3.0 <r451@x.org>: Temporary lookup failure"
ok "452 at RCPT: deferred" \
	fact small r452@x.org "stage=RCPT code=452 enhanced=4.3.1 dot=0 verdict=defer"
ok "552 at RCPT: deferred, not failed (RFC 5321 4.5.3.1.10)" \
	fact small r552@x.org "stage=RCPT code=552 enhanced= dot=0 verdict=defer"
ok "550 5.1.1 at RCPT: the recipient fails" \
	fact small r550@x.org "stage=RCPT code=550 enhanced=5.1.1 dot=0 verdict=fail-rcpt"
ok "552 after the dot: the message fails" \
	fact small d552@x.org "stage=DOT code=552 enhanced=5.3.4 dot=1 verdict=fail-msg"
ok "552 after the dot: its reply, not the 354 before it" \
	reply small d552@x.org "552 5.3.4 Message size exceeds fixed limit"
ok "disconnect right after the dot: unknown" \
	fact small dropdot@x.org "stage=DOT code=0 enhanced= dot=1 verdict=unknown"
ok "disconnect right after the dot: says so, names host:port" \
	reply small dropdot@x.org "$W: connection lost after the final dot"
ok "no reply to the dot within dot_timeout: unknown" \
	fact small slowdot@x.org "stage=DOT code=0 enhanced= dot=1 verdict=unknown"
ok "no reply to the dot within dot_timeout: no reply in 2 s" \
	reply small slowdot@x.org "$W: no reply in 2 s to the final dot"
ok "after a timeout the late reply answers nothing: the next one is sent" \
	fact small ok2@x.org "stage=DONE code=250 enhanced=2.0.0 dot=1 verdict=sent"

# curl ends a body without lines to dot-stuff another way: the same facts
probe plain -n -t 2 -b 2 -d 2 "smtp://$W" sender@example.org \
	dropdot@x.org slowdot@x.org ok3@x.org
ok "no dot-stuffing: disconnect after the dot is unknown" \
	fact plain dropdot@x.org "stage=DOT code=0 enhanced= dot=1 verdict=unknown"
ok "no dot-stuffing: a late reply to the dot is unknown" \
	fact plain slowdot@x.org "stage=DOT code=0 enhanced= dot=1 verdict=unknown"
ok "no dot-stuffing: the next message is sent" \
	fact plain ok3@x.org "stage=DONE code=250 enhanced=2.0.0 dot=1 verdict=sent"

# 32 MB: more than the socket buffers hold, so the body is still going
probe big -s 33554432 -t 2 -b 2 -d 2 "smtp://$W" sender@example.org \
	dropdata@x.org stopread@x.org ok4@x.org
ok "disconnect mid-body: deferred, the dot never went out" \
	fact big dropdata@x.org "stage=BODY code=0 enhanced= dot=0 verdict=defer"
ok "disconnect mid-body: names host:port, not the 354" \
	reply big dropdata@x.org "$W: connection lost during the message body"
ok "server stops reading mid-body: timed out, deferred" \
	fact big stopread@x.org "stage=BODY code=0 enhanced= dot=0 verdict=defer"
ok "server stops reading mid-body: within data_timeout" \
	reply big stopread@x.org "$W: no progress in 2 s sending the message body"
ok "after the stalled one a large message still goes" \
	fact big ok4@x.org "stage=DONE code=250 enhanced=2.0.0 dot=1 verdict=sent"

start_server --greeting "421 4.3.2 Service shutting down"
probe greet -t 2 "smtp://127.0.0.1:$port" sender@example.org ok1@x.org
ok "421 greeting: deferred" \
	fact greet ok1@x.org "stage=GREETING code=421 enhanced=4.3.2 dot=0 verdict=defer"
ok "421 greeting: the greeting verbatim" \
	reply greet ok1@x.org "421 4.3.2 Service shutting down"

start_server --mail "550 5.7.1 <sender@example.org>: Sender address rejected"
probe mail -t 2 "smtp://127.0.0.1:$port" sender@example.org ok1@x.org
ok "5xx at MAIL FROM: pause the server" \
	fact mail ok1@x.org "stage=MAIL code=550 enhanced=5.7.1 dot=0 verdict=pause"

stop_server
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
probe refused -t 2 "smtp://127.0.0.1:$dead" sender@example.org ok1@x.org
ok "connection refused: pause, at CONNECT" \
	fact refused ok1@x.org "stage=CONNECT code=0 enhanced= dot=0 verdict=pause"
ok "connection refused: names host:port" \
	reply refused ok1@x.org "127.0.0.1:$dead: connection refused"

# ---- anketa send: what the store records --------------------------------

# an invitation without a form: small messages, quick to render
cat >"$T/sub.campaign" <<CAMP
[campaign]
name = sub-test
kind = invitation
template = invitation
reference = SUB
subject = Submission test
deadline = 2099-10-05
[vars]
event_date = 5 October 2026
venue = Gent
[audience]
group = sub
CAMP
# setup NAME EMAILS...: a store NAME.db with these contacts and the
# campaign, sending to the current server with 2 s limits (TMO: others)
setup() {
	local name=$1 a; shift
	write_conf "$T/$name.conf" "$T/$name.db" "smtp://127.0.0.1:$port" <<CONF
require_tls = no
concurrency = ${CONC:-4}
timeout = ${TMO:-2}
data_timeout = ${TMO:-2}
dot_timeout = ${TMO:-2}
CONF
	echo "email,name,municipality,country,language,groups,role" >"$T/$name.csv"
	for a in "$@"; do echo "$a,N,Gent,BE,en,sub,officer" >>"$T/$name.csv"; done
	"$ANKETA_BIN" -c "$T/$name.conf" contacts import "$T/$name.csv" >/dev/null &&
		"$ANKETA_BIN" -c "$T/$name.conf" campaign add "$T/sub.campaign" >/dev/null
}
send() {	# send NAME: exit code in $T/NAME.rc
	timeout 60 "$ANKETA_BIN" -c "$T/$1.conf" send sub-test >"$T/$1.out" 2>"$T/$1.err"
	echo $? >"$T/$1.rc"
}
row() {		# row NAME EMAIL: "state|last_reply" of its delivery
	sqlite3 "$T/$1.db" "SELECT d.state || '|' || d.last_reply FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE c.email = '$2'"
}
status() { sqlite3 "$T/$1.db" "SELECT status FROM contacts WHERE email = '$2'"; }
# all NAME: every delivery's "state|last_reply" (distinct) and the count
all() {
	sqlite3 "$T/$1.db" "SELECT group_concat(DISTINCT state || '|' || last_reply) || ' ' || count(*) FROM deliveries"
}

start_server --slow 4
setup mix ana@x.org r451@x.org r552@x.org r550@x.org d552@x.org \
	dropdot@x.org slowdot@x.org tom@x.org
send mix
ok "send: exit 75 (some failed or deferred)" eq 75 "$(cat "$T/mix.rc")"
ok "send: 2 sent, 2 failed, 2 deferred, 2 unknown" \
	grep -q "2 sent, 2 failed, 2 deferred, 2 unknown" "$T/mix.out"
ok "send: accepted ones sent with the dot's reply" \
	eq "sent|250 2.0.0 Ok: queued as TEST1" "$(row mix tom@x.org)"
ok "send: 451 deferred, reply verbatim" \
	eq "deferred|451 4.3.0 <r451@x.org>: Temporary lookup failure" "$(row mix r451@x.org)"
ok "send: 552 at RCPT deferred" \
	eq "deferred|552 <r552@x.org>: Requested mail action aborted: exceeded storage allocation" \
	"$(row mix r552@x.org)"
ok "send: 552 at RCPT leaves the contact ok" eq ok "$(status mix r552@x.org)"
ok "send: 550 5.1.1 failed with the reply" \
	eq "failed|550 5.1.1 <r550@x.org>: Recipient address rejected: User unknown in local recipient table" \
	"$(row mix r550@x.org)"
ok "send: 550 5.1.1 makes the contact undeliverable" \
	eq undeliverable "$(status mix r550@x.org)"
ok "send: 552 after the dot failed" \
	eq "failed|552 5.3.4 Message size exceeds fixed limit" "$(row mix d552@x.org)"
ok "send: 552 after the dot leaves the contact ok" eq ok "$(status mix d552@x.org)"
ok "send: disconnect after the dot is unknown (retried, counted apart), with host:port" \
	eq "unknown|127.0.0.1:$port: connection lost after the final dot" "$(row mix dropdot@x.org)"
ok "send: dot reply past dot_timeout is unknown, no reply in 2 s" \
	eq "unknown|127.0.0.1:$port: no reply in 2 s to the final dot" "$(row mix slowdot@x.org)"

start_server --greeting "421 4.3.2 Service shutting down"
setup greet ana@x.org tom@x.org
send greet
ok "send, 421 greeting: exit 75" eq 75 "$(cat "$T/greet.rc")"
ok "send, 421 greeting: every delivery deferred with the greeting" \
	eq "deferred|421 4.3.2 Service shutting down 2" "$(all greet)"

start_server --mail "550 5.7.1 <organiser@example.org>: Sender address rejected"
# one connection: the refusal must stop it at its first MAIL FROM (with
# several, each stops at its own first)
CONC=1 setup pause ana@x.org tom@x.org mia@x.org
send pause
ok "send, 5xx at MAIL FROM: the run stops, exit 69" eq 69 "$(cat "$T/pause.rc")"
ok "send, 5xx at MAIL FROM: the error quotes the server" \
	grep -q "Sender address rejected" "$T/pause.err"
ok "send, 5xx at MAIL FROM: nothing failed, every delivery deferred" \
	eq "deferred|550 5.7.1 <organiser@example.org>: Sender address rejected 3" \
	"$(all pause)"
ok "send, 5xx at MAIL FROM: no contact made undeliverable" \
	eq 0 "$(sqlite3 "$T/pause.db" "SELECT count(*) FROM contacts WHERE status <> 'ok'")"
ok "send, 5xx at MAIL FROM: the batch stops at the first refusal" \
	eq 1 "$(grep -c '^MAIL FROM' "$T/commands.log")"

# 3 s per reply, 10 s per stage: every stage waits, none times out, and
# each message's reply is its own dot's (no stale "250 2.1.5 Ok")
start_server --delay 3
TMO=10 setup slow ana@x.org tom@x.org
send slow
ok "slow server: exit 0" eq 0 "$(cat "$T/slow.rc")"
ok "slow server: both sent" grep -q "2 sent, 0 failed, 0 deferred" "$T/slow.out"
ok "slow server: each reply is the dot's, not an earlier line" \
	eq "sent|250 2.0.0 Ok: queued as TEST1 2" "$(all slow)"
ok "slow server: nothing handed over twice" \
	eq "ana@x.org tom@x.org" "$(sort "$T/accepted.log" | tr '\n' ' ' | sed 's/ $//')"

[ "$tap_failed" = 0 ]
