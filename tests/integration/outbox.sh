#!/usr/bin/env bash
# outbox.sh -- one outbox for every outgoing mail (issue 6). Whoever sends
# (`anketa send`, a second `anketa send`, the daemon's pass), whatever else
# writes to the store meanwhile, wherever the sending process dies, every
# contact gets exactly one message; SIGTERM lets what is on the wire finish;
# one daemon per store.
#
# Messages are counted from what the server received, not from what anketa
# says: Postfix's smtp-sink on 127.0.0.1 (a free port) appends each
# transaction to one dump file (-D) when the final dot arrives, before it
# replies 250; a transaction cut off before the dot is never written.
# Counting the dump's X-Rcpt-Args lines per address gives, against the
# audience, missed (0 copies), duplicates (copies beyond the first) and
# strays (addresses outside the audience).
#
#   a. two `send c1` and one `run` at once, one store, 300 contacts
#   b. `contacts import` of other contacts in a loop while `send`, and
#      then the daemon's pass, send 2,000
#   c. ANKETA_CRASH_AT=claim|handover|outcome:N, then a plain `send c1`
#   d. SIGTERM to `run` while every reply to the final dot takes 1 s
#   e. a second `run` on the same store is refused, naming the first pid
#
# Every process started here runs in its own process group (set -m), so
# the EXIT trap ends a sender together with any child it forked.
# KEEP=1 keeps the temporary directory.
. "$(dirname "$0")/lib.sh"
[ -n "${ANKETA_SKIP_INTEGRATION:-}" ] && skip_all "ANKETA_SKIP_INTEGRATION set"
for b in smtp-sink sqlite3 python3 timeout; do
	command -v $b >/dev/null || skip_all "$b missing (scripts/deps test)"
done
[ -x "$ANKETA_BIN" ] || skip_all "$ANKETA_BIN not built"
set -m
ulimit -c 0	# the crash cases abort(); no core files
make_tmp
started=()
cleanup() {
	local p
	for p in "${started[@]}"; do kill -KILL -- "-$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
S=$ANKETA_SRCDIR
sink_user=()
[ "$(id -u)" = 0 ] && sink_user=(-u nobody)	# smtp-sink refuses root
echo "1..24"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# sink_start DIR [OPTION...]: smtp-sink on 127.0.0.1, every completed
# message appended to DIR/dump; sets sink_port and sink_pid.
sink_start() {
	local d=$1 try i port
	shift
	mkdir -p "$d/sink"
	chmod 777 "$d/sink"
	: >"$d/sink/dump"
	chmod 666 "$d/sink/dump"
	for try in 1 2 3 4 5; do
		port=$(free_port)
		smtp-sink "${sink_user[@]}" -D "$d/sink/dump" "$@" \
			"127.0.0.1:$port" 256 >>"$d/sink/log" 2>&1 &
		sink_pid=$!
		started+=("$sink_pid")
		for i in $(seq 1 60); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
				sink_port=$port
				return 0
			fi
			kill -0 "$sink_pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$sink_pid" 2>/dev/null
		wait "$sink_pid" 2>/dev/null
	done
	echo "smtp-sink did not start: $(tail -3 "$d/sink/log")"
	return 1
}

sink_stop() { kill -TERM "$sink_pid" 2>/dev/null; wait "$sink_pid" 2>/dev/null; return 0; }

# received DIR: how many messages the sink of DIR has taken
received() { grep -c '^X-Rcpt-Args: ' "$1/sink/dump"; }

# tally DIR: per-address counts of the sink's dump against DIR/want (the
# audience, one address a line)
tally() {
	awk 'FNR == NR { want[$1] = 1; next }
	     /^X-Rcpt-Args: / { a = $2; gsub(/[<>]/, "", a); n[a]++; total++ }
	     END {
		for (a in want)
			if (!(a in n)) missed++
			else if (n[a] > 1) dup += n[a] - 1
		for (a in n)
			if (!(a in want)) stray += n[a]
		printf "missed=%d duplicates=%d stray=%d received=%d\n",
			missed, dup, stray, total
	     }' "$1/want" "$1/sink/dump"
}

# setup DIR N CONCURRENCY: DIR/a.conf and a store of N contacts (group c,
# addresses rK@example.net, listed in DIR/want) with campaign c1 for them,
# sending to the sink of DIR
setup() {
	local d=$1 n=$2 conc=$3
	write_conf "$d/a.conf" "$d/a.db" "smtp://127.0.0.1:$sink_port" <<CONF
require_tls = no
timeout = 30
concurrency = $conc
[daemon]
send_interval = 10
fetch_interval = 5
[feedback]
enabled = no
CONF
	seq 1 "$n" | sed 's/.*/r&@example.net/' >"$d/want"
	{
		echo "email,name,municipality,country,language,groups,role"
		sed 's/^\(r\([0-9]*\)@.*\)$/\1,R \2,Gent,BE,en,c,official/' "$d/want"
	} >"$d/c.csv"
	printf '[campaign]\nname = c1\nquestionnaire = %s/surveys/exchange-visit-feedback.xml\ntemplate = survey\ndeadline = 2030-06-30\n[audience]\ngroup = c\n' "$S" >"$d/c1.campaign"
	"$ANKETA_BIN" -c "$d/a.conf" contacts import "$d/c.csv" >"$d/setup.out" 2>&1 &&
		"$ANKETA_BIN" -c "$d/a.conf" campaign add "$d/c1.campaign" >>"$d/setup.out" 2>&1 ||
		{ echo "setup of $d failed:"; cat "$d/setup.out"; return 1; }
}

# q DIR SQL: the store of DIR, waiting (10 s at most) while a writer holds it
q() { sqlite3 -cmd '.timeout 10000' "$1/a.db" "$2"; }
states() { q "$1" "SELECT group_concat(state || '=' || n, ' ') FROM (SELECT state, count(*) n FROM deliveries GROUP BY state)"; }

# wait_exit PID SECONDS: until PID has ended, at most SECONDS; then its
# exit status in $wait_rc (124 and the group killed if it outlived the bound)
wait_exit() {
	local i
	for i in $(seq 1 $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL -- "-$1" 2>/dev/null
		wait "$1" 2>/dev/null
		wait_rc=124
		return 1
	fi
	wait "$1"
	wait_rc=$?
	return 0
}

# until_true SECONDS COMMAND...: poll COMMAND every 0.1 s
until_true() {
	local i n=$(($1 * 10))
	shift
	for i in $(seq 1 $n); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# settled DIR N: N rows or more, none pending or sending
settled() {
	[ "$(q "$1" "SELECT count(*) FROM deliveries WHERE state IN ('pending', 'sending')")" = 0 ] &&
		[ "$(q "$1" "SELECT count(*) FROM deliveries")" -ge "$2" ]
}

# clean_logs FILE...: no SQLite busy error and no error without its reason
clean_logs() {
	local locked bare
	locked=$(grep -Hn -i 'database is locked' "$@")
	bare=$(grep -Hn -E 'send: *$' "$@")
	[ -z "$locked$bare" ] && return 0
	echo "$(echo "$locked" | grep -c .) lines say 'database is locked'," \
		"$(echo "$bare" | grep -c .) end in 'send: '"
	printf '%s\n%s\n' "$locked" "$bare" | grep . | head -12
	return 1
}

# ---- a. two sends and the daemon at once -------------------------------
A_N=300
adir=$T/a
mkdir -p "$adir"
# -W .:1:5: about one message in 20 waits 1 s (or more) for its 250, so
# every sender holds claims on messages in flight while the others look
sink_start "$adir" -W .:1:5 && setup "$adir" $A_N 4 || { echo "Bail out! case a setup"; exit 1; }
"$ANKETA_BIN" -c "$adir/a.conf" run >"$adir/run.log" 2>&1 &
a_run=$!
started+=("$a_run")
"$ANKETA_BIN" -c "$adir/a.conf" send c1 >"$adir/send1.out" 2>&1 &
a_s1=$!
started+=("$a_s1")
"$ANKETA_BIN" -c "$adir/a.conf" send c1 >"$adir/send2.out" 2>&1 &
a_s2=$!
started+=("$a_s2")
wait_exit $a_s1 60; a_rc1=$wait_rc
wait_exit $a_s2 60; a_rc2=$wait_rc
# the daemon's pass: until every row is out of pending/sending (20 s)
until_true 20 settled "$adir" $A_N
kill -TERM $a_run 2>/dev/null
wait_exit $a_run 15; a_rcd=$wait_rc
sink_stop
a_count() {
	local t
	t=$(tally "$adir")
	echo "$t (store: $(states "$adir"))"
	[ "$t" = "missed=0 duplicates=0 stray=0 received=$A_N" ]
}
ok "a: two sends and a daemon on one campaign of $A_N: each contact exactly one message" a_count
ok "a: no 'database is locked', no error without its reason in any output" \
	clean_logs "$adir/send1.out" "$adir/send2.out" "$adir/run.log"
ok "a: the store says sent = $A_N" \
	eq "$A_N" "$(q "$adir" "SELECT count(*) FROM deliveries WHERE state = 'sent'")"
ok "a: both sends exit 0, the daemon exits 0 on SIGTERM" \
	eq "send=0 send=0 run=0" "send=$a_rc1 send=$a_rc2 run=$a_rcd"
for f in send1.out send2.out; do tail -1 "$adir/$f" | sed "s/^/# a: $f: /"; done
echo "# a: done at ${SECONDS}s"

# ---- b. a writer committing during a send pass --------------------------
# The same with `anketa send` and with the daemon's pass as the sender:
# `contacts import` of other contacts (group o, outside the audience), one
# file of B_PER after another, for as long as the pass runs.
B_N=2000
B_PER=100	# contacts per import
# writer_during SENDER: SENDER is send or run; case directory $T/b-SENDER
writer_during() {
	local s=$1 w=$T/b-$1 pid i=0 start=$SECONDS f
	mkdir -p "$w/imp"
	sink_start "$w" && setup "$w" $B_N 4 || return 1
	if [ "$s" = send ]; then
		"$ANKETA_BIN" -c "$w/a.conf" send c1 >"$w/sender.out" 2>&1 &
	else
		"$ANKETA_BIN" -c "$w/a.conf" run >"$w/sender.out" 2>&1 &
	fi
	pid=$!
	started+=("$pid")
	while kill -0 $pid 2>/dev/null && [ $((SECONDS - start)) -lt 45 ]; do
		# the daemon does not end by itself: until its pass settled
		[ "$s" = run ] && [ $i -gt 0 ] && settled "$w" $B_N && break
		i=$((i + 1))
		f=$w/imp/o$i
		{
			echo "email,name,municipality,country,language,groups,role"
			seq 1 $B_PER | sed "s/.*/o$i-&@example.com,O $i &,Gent,BE,en,o,official/"
		} >"$f.csv"
		timeout 30 "$ANKETA_BIN" -c "$w/a.conf" contacts import "$f.csv" >"$f.out" 2>&1
		echo $? >"$f.rc"
	done
	[ "$s" = run ] && kill -TERM $pid 2>/dev/null
	wait_exit $pid 60
	echo "$wait_rc" >"$w/sender.rc"
	echo "$i" >"$w/imports"
	sink_stop
}
b_count() {
	local w=$T/b-$1 t rc n
	t=$(tally "$w")
	rc=$(cat "$w/sender.rc")
	n=$(cat "$w/imports")
	echo "$t; $1 exit $rc; $n imports ran meanwhile (store: $(states "$w"))"
	[ "$t" = "missed=0 duplicates=0 stray=0 received=$B_N" ] && [ "$rc" = 0 ] && [ "$n" -ge 1 ]
}
# an import that failed says why in words; one that succeeded is stored
b_imports_ok() {
	local w=$T/b-$1 f rc good=0 bad=0 want have
	for f in "$w"/imp/*.rc; do
		f=${f%.rc}
		rc=$(cat "$f.rc")
		if [ "$rc" = 0 ]; then
			good=$((good + 1))
		else
			bad=$((bad + 1))
			if ! grep -qE '[[:alpha:]]{3,}[^:]*$' "$f.out" || grep -q -i 'database is locked' "$f.out"; then
				echo "import ${f##*/} failed ($rc) without a clear reason:"
				sed 's/^/  /' "$f.out"
				return 1
			fi
			echo "import ${f##*/} refused ($rc): $(tail -1 "$f.out")"
		fi
	done
	want=$((good * B_PER))
	have=$(q "$w" "SELECT count(*) FROM contacts WHERE email LIKE 'o%@example.com'")
	echo "$good imports succeeded, $bad refused; $have of their $want contacts stored"
	[ "$have" = "$want" ]
}
for s in send run; do
	writer_during $s || { echo "Bail out! case b-$s setup"; exit 1; }
	ok "b-$s: imports during the $s pass of $B_N: each contact exactly one message, $s exits 0" b_count $s
	ok "b-$s: no 'database is locked', no error without its reason" \
		clean_logs "$T/b-$s/sender.out" "$T/b-$s"/imp/*.out
	ok "b-$s: every import succeeds (and its contacts are stored) or says why" b_imports_ok $s
	echo "# b-$s: done at ${SECONDS}s"
done

# ---- c. a crash at every step ------------------------------------------
C_N=60
C_CONC=3
# crash_at POINT N: a fresh store and sink, `send c1` with
# ANKETA_CRASH_AT=POINT:N, which must die by abort() (134); then a plain
# `send c1`, which must exit 0. Nobody missed, no row left sending, and
# nobody twice except, at the handover point, the one message per
# connection that the server took but whose outcome was never committed.
crash_at() {
	local point=$1 n=$2 d=$T/c-$1-$2 rc rc2 t dup maxdup=0
	mkdir -p "$d"
	sink_start "$d" && setup "$d" $C_N $C_CONC || return 1
	(ANKETA_CRASH_AT=$point:$n exec timeout 30 "$ANKETA_BIN" -c "$d/a.conf" send c1 >"$d/crash.out" 2>&1)
	rc=$?
	timeout 30 "$ANKETA_BIN" -c "$d/a.conf" send c1 >"$d/resume.out" 2>&1
	rc2=$?
	sink_stop
	t=$(tally "$d")
	echo "crash run exit $rc, resumed run exit $rc2; $t; store: $(states "$d")"
	echo "crash run: $(tail -1 "$d/crash.out")"
	echo "resumed run: $(tail -1 "$d/resume.out")"
	[ "$point" = handover ] && maxdup=$C_CONC
	dup=$(echo "$t" | sed 's/.*duplicates=\([0-9]*\).*/\1/')
	[ "$rc" = 134 ] || { echo "ANKETA_CRASH_AT=$point:$n: the run did not die by abort() (exit $rc, want 134)"; return 1; }
	[ "$rc2" = 0 ] || { echo "the resumed run failed"; return 1; }
	echo "$t" | grep -q '^missed=0 .* stray=0 ' || { echo "somebody missed"; return 1; }
	[ "$dup" -le "$maxdup" ] || { echo "$dup duplicates, at most $maxdup allowed"; return 1; }
	[ "$(q "$d" "SELECT count(*) FROM deliveries WHERE state = 'sending'")" = 0 ] ||
		{ echo "rows left sending"; return 1; }
}
# A sender claims up to 16 rows at a time, so 60 messages over 3
# senders make about 2 claims each: the claim point is taken at 1 and 2.
for point in claim handover outcome; do
	ns="1 4 9"
	[ "$point" = claim ] && ns="1 2"
	for n in $ns; do
		ok "c: ANKETA_CRASH_AT=$point:$n dies, a plain send resumes: nobody missed, none twice$([ $point = handover ] && echo " (but <= $C_CONC in flight)"), none left sending" \
			crash_at $point $n
	done
done
echo "# c: done at ${SECONDS}s"

# ---- d. SIGTERM drains -----------------------------------------------------
D_N=24
ddir=$T/d
mkdir -p "$ddir"
# -W .:1: smtp-sink takes each message at the final dot and answers 1 s later
sink_start "$ddir" -W .:1 && setup "$ddir" $D_N 3 || { echo "Bail out! case d setup"; exit 1; }
"$ANKETA_BIN" -c "$ddir/a.conf" run >"$ddir/run.log" 2>&1 &
d_run=$!
started+=("$d_run")
# SIGTERM once the server holds 3 messages still waiting for their 250
d_busy() { [ "$(received "$ddir")" -ge 3 ]; }
until_true 30 d_busy
d_at=$(received "$ddir")
kill -TERM $d_run
d_t0=$SECONDS
wait_exit $d_run 8; d_rc=$wait_rc
d_secs=$((SECONDS - d_t0))
d_sent_vs_received() {
	local got rec
	got=$(q "$ddir" "SELECT c.email FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE d.state = 'sent'" | sort)
	rec=$(grep '^X-Rcpt-Args: ' "$ddir/sink/dump" | awk '{ a = $2; gsub(/[<>]/, "", a); print a }' | sort)
	echo "server received $(echo "$rec" | grep -c .), store sent $(echo "$got" | grep -c .) (store: $(states "$ddir"))"
	diff <(echo "$rec") <(echo "$got") | head -10
	[ "$got" = "$rec" ] && [ -n "$got" ]
}
d_exit() {
	echo "SIGTERM when the server held $d_at messages; exit $d_rc after ${d_secs}s (124: still running at 8 s, killed)"
	[ "$d_rc" = 0 ]
}
ok "d: SIGTERM while messages await their reply: exit 0 within 8 s" d_exit
ok "d: SIGTERM: no row left sending" \
	eq 0 "$(q "$ddir" "SELECT count(*) FROM deliveries WHERE state = 'sending'")"
ok "d: SIGTERM: every message the server took is recorded sent, and only those" d_sent_vs_received
d_rest() {
	local rc t
	timeout 90 "$ANKETA_BIN" -c "$ddir/a.conf" send c1 >"$ddir/rest.out" 2>&1
	rc=$?
	t=$(tally "$ddir")
	echo "second run exit $rc: $t (store: $(states "$ddir"))"
	[ "$rc" = 0 ] && [ "$t" = "missed=0 duplicates=0 stray=0 received=$D_N" ]
}
ok "d: a second run sends the rest, nobody twice" d_rest
sink_stop
echo "# d: done at ${SECONDS}s"

# ---- e. one daemon per store ---------------------------------------------
edir=$T/e
mkdir -p "$edir"
sink_start "$edir" && setup "$edir" 3 1 || { echo "Bail out! case e setup"; exit 1; }
"$ANKETA_BIN" -c "$edir/a.conf" run >"$edir/run1.log" 2>&1 &
e_run=$!
started+=("$e_run")
e_up() { [ "$(received "$edir")" -ge 3 ]; }
until_true 15 e_up
timeout 5 "$ANKETA_BIN" -c "$edir/a.conf" run >"$edir/run2.log" 2>&1
e_rc=$?
e_refused() {
	echo "second run: exit $e_rc; said:"
	sed 's/^/  /' "$edir/run2.log" | head -5
	[ "$e_rc" != 0 ] && [ "$e_rc" != 124 ] && grep -qw "$e_run" "$edir/run2.log"
}
ok "e: a second run on the same store is refused, naming pid $e_run" e_refused
kill -TERM $e_run 2>/dev/null
wait_exit $e_run 15
ok "e: the first daemon is unharmed and stops with 0" eq 0 "$wait_rc"
sink_stop
echo "# e: done at ${SECONDS}s"
exit 0
