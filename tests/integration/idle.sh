#!/usr/bin/env bash
# idle.sh -- `anketa fetch --idle` and `anketa run` over IMAP (STARTTLS,
# the stack's own CA) survive the IMAP server going away: a message
# delivered while fetch waits in IDLE is recorded within 5 s; with the
# mail stack stopped the process stays alive without spinning (back-off,
# see fetch_backoff_next); once the stack is back a new message is
# recorded within 15 s; SIGTERM ends it with exit 0. `anketa run` keeps a
# fetch child in IDLE (plain IMAP): a message delivered is recorded within
# 10 s, the child rides out a server restart itself, a killed fetch
# child is replaced, and SIGTERM drains and exits 0.
. "$(dirname "$0")/lib.sh"
need_root_stack
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
make_tmp
S=$T/stack
# ports of their own: fetch.sh (12xxx) and mailstack.sh (11xxx) may run
# at the same time
export IMAP_PORT=13143 IMAPS_PORT=13993 SMTP_PORT=13025
stack="$ANKETA_SRCDIR/tests/mailstack/mailstack"
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	"$stack" stop "$S" >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
"$stack" start "$S" >"$T/stack.log" 2>&1 || skip_all "mail stack did not start: $(tail -1 "$T/stack.log")"
echo "1..13"

printf 'secret\n' >"$T/pw"; chmod 600 "$T/pw"
write_conf "$T/anketa.conf" "$T/anketa.db" "smtp://127.0.0.1:$SMTP_PORT" <<CONF
[imap]
url = imap://127.0.0.1:$IMAP_PORT
username = organiser@example.org
password_file = $T/pw
require_tls = yes
ca_file = $S/ssl/cert.pem
timeout = 10
[daemon]
send_interval = 30
fetch_interval = 30
[feedback]
enabled = no
CONF
q() { sqlite3 "$T/anketa.db" "$1"; }

deliver() {	# deliver FROM SUBJECT: through Postfix into organiser's INBOX
	swaks --silent 2 --server 127.0.0.1:$SMTP_PORT --from "$1" \
		--to organiser@example.org --header "Subject: $2" \
		--body 'Which survey is this about?'
}
recorded() {	# recorded FROM SECONDS: FROM's message is in the store in time
	local i
	for i in $(seq 1 $(($2 * 10))); do
		[ "$(q "select count(*) from inbound where from_addr = '$1'" 2>/dev/null)" = 1 ] &&
			return 0
		sleep 0.1
	done
	echo "$1: not recorded within $2 s"; tail -20 "$T/proc.err"; return 1
}
alive() { [ -r "/proc/$pid/stat" ] && [ "$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f1)" != Z ]; }
cpu_ticks() {	# user + system time of $pid in clock ticks
	sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}'
}
stops() {	# SIGTERM $pid: gone within 5 s with exit 0
	local rc=0
	kill -TERM "$pid"
	for _ in $(seq 1 50); do alive || break; sleep 0.1; done
	alive && { echo "still running 5 s after SIGTERM"; tail -20 "$T/proc.err"; return 1; }
	wait "$pid" || rc=$?
	pid=
	tail -20 "$T/proc.err"
	eq 0 "$rc"
}

# (1) the binary itself in the background (no shell function in between,
# so SIGTERM reaches it)
"$ANKETA_BIN" -c "$T/anketa.conf" fetch --idle >"$T/proc.out" 2>"$T/proc.err" &
pid=$!
sleep 1
ok "fetch --idle: starts and waits" alive
idle1() { deliver first@elsewhere.org "First question" && recorded first@elsewhere.org 5; }
ok "fetch --idle: a message delivered is recorded within 5 s" idle1

# (2) the server goes away for a while: no exit, no busy loop
down() {
	local t0 t1
	"$stack" stop "$S" >"$T/stop.log" 2>&1 || { cat "$T/stop.log"; return 1; }
	t0=$(cpu_ticks)
	sleep 3
	alive || { echo "fetch --idle exited with the server down"; tail -20 "$T/proc.err"; return 1; }
	t1=$(cpu_ticks)
	# 100 ticks a second on Linux: under 1 s of CPU in 3 s
	[ $((t1 - t0)) -lt 100 ] || { echo "spinning: $((t1 - t0)) ticks of CPU in 3 s"; return 1; }
}
ok "server stopped: fetch --idle stays alive and does not spin" down
up() { "$stack" start "$S" >"$T/stack.log" 2>&1 || { cat "$T/stack.log"; return 1; }; }
ok "mail stack started again" up
idle2() { deliver second@elsewhere.org "Second question" && recorded second@elsewhere.org 15; }
ok "fetch --idle reconnects: a new message is recorded within 15 s" idle2
lost() { grep -q "connection lost during IDLE; retrying in 1 s" "$T/proc.err" && grep -q "connection refused or timed out; retrying in 2 s" "$T/proc.err"; }
ok "fetch --idle logged the lost connection and the back-off" lost

# (3)
ok "fetch --idle: SIGTERM ends it with exit 0 within 5 s" stops

# (4) the daemon keeps a fetch child in IDLE, here over plain IMAP: the
# write to a dead plain socket is where SIGPIPE killed the fetcher (TLS
# writes do not raise it)
sed 's/^require_tls = yes/require_tls = no/' "$T/anketa.conf" >"$T/plain.conf"
"$ANKETA_BIN" -c "$T/plain.conf" run >"$T/proc.out" 2>"$T/proc.err" &
pid=$!
sleep 1
ok "run: starts with an imap:// source" alive
run1() { deliver third@elsewhere.org "Third question" && recorded third@elsewhere.org 10; }
ok "run: a message delivered is recorded within 10 s" run1
restart() {
	"$stack" stop "$S" >"$T/stop.log" 2>&1 || { cat "$T/stop.log"; return 1; }
	sleep 1
	up || return 1
	deliver fifth@elsewhere.org "Fifth question" && recorded fifth@elsewhere.org 15 || return 1
	! grep "child ended" "$T/proc.err"	# the fetcher itself reconnected
}
ok "run: the IMAP server restarts: the fetch child reconnects, new mail is recorded" restart
# the fetch child dies (as on a crash): the daemon starts another after
# its back-off (2 s) and mail goes on being recorded
kill_fetch() {
	local i kids
	for i in $(seq 1 50); do	# the first send pass ends at once
		kids=$(ps -o pid= --ppid "$pid")
		[ "$(echo "$kids" | wc -w)" = 1 ] && break
		sleep 0.1
	done
	[ "$(echo "$kids" | wc -w)" = 1 ] || { echo "children: $kids"; return 1; }
	kill -KILL $kids || return 1
	deliver fourth@elsewhere.org "Fourth question" && recorded fourth@elsewhere.org 10 &&
		grep -q "fetch: child ended" "$T/proc.err"
}
ok "run: a killed fetch child is restarted and records new mail" kill_fetch
# SIGHUP: the configuration is read again and the fetch child, waiting in
# IDLE, is stopped and started again at once with it
hup_fetch() {
	local i old new ended
	ended=$(grep -c "child ended" "$T/proc.err")
	old=$(ps -o pid= --ppid "$pid" | tr -d ' ')
	[ -n "$old" ] || { echo "no fetch child"; return 1; }
	kill -HUP "$pid"
	for i in $(seq 1 50); do
		new=$(ps -o pid= --ppid "$pid" | tr -d ' ')
		[ -n "$new" ] && [ "$new" != "$old" ] && ! kill -0 "$old" 2>/dev/null && break
		sleep 0.1
	done
	[ -n "$new" ] && [ "$new" != "$old" ] || { echo "fetch child $old, after SIGHUP: '$new'"; return 1; }
	# it stopped of its own accord (exit 0), not killed by the signal
	[ "$(grep -c "child ended" "$T/proc.err")" = "$ended" ] ||
		{ grep "child ended" "$T/proc.err"; return 1; }
	grep -q "configuration reloaded" "$T/proc.err" &&
		deliver sixth@elsewhere.org "Sixth question" && recorded sixth@elsewhere.org 10
}
ok "run: SIGHUP restarts the fetch child in IDLE with the new configuration" hup_fetch
ok "run: SIGTERM drains and exits 0" stops

exit $((tap_failed > 0))
