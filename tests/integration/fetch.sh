#!/usr/bin/env bash
# fetch.sh -- `anketa fetch` against a real Dovecot on 127.0.0.1: messages
# saved into the organiser's INBOX with doveadm are ingested once (a second
# run finds nothing new), sorted into folders, a message the parser
# crashes on is quarantined while the rest go through (test hook
# ANKETA_TEST_CRASH_MSGID, see daemon/receive/ingest.h), a message left marked by
# a run that died is quarantined, a run that dies between a batch's
# marks and its commit costs one message at most (ANKETA_CRASH_AFTER,
# see daemon/store/store.c), connection trouble is an error that
# names host:port, and `anketa fetch --idle` records a message delivered
# while it waits, then ends with exit 0 on SIGTERM.
. "$(dirname "$0")/lib.sh"
need_root_stack
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
make_tmp
S=$T/stack
export IMAP_PORT=12143 IMAPS_PORT=12993 SMTP_PORT=12025
stack="$ANKETA_SRCDIR/tests/mailstack/mailstack"
cleanup() {
	[ -s "$T/idle.pid" ] && kill -KILL "$(cat "$T/idle.pid")" 2>/dev/null
	"$stack" stop "$S" >/dev/null 2>&1; rm -rf "$T"
}
trap cleanup EXIT
"$stack" start "$S" >"$T/stack.log" 2>&1 || skip_all "mail stack did not start: $(tail -1 "$T/stack.log")"
echo "1..21"

printf 'secret\n' >"$T/pw"; chmod 600 "$T/pw"
conf() {	# conf FILE URL [extra imap lines]
	write_conf "$1" "$T/anketa.db" "smtp://127.0.0.1:$SMTP_PORT" <<CONF
[imap]
url = $2
username = organiser@example.org
password_file = $T/pw
require_tls = yes
ca_file = $S/ssl/cert.pem
folder_processed = Processed
folder_autoreplies = Auto
folder_review = Review
$3
[feedback]
enabled = no
CONF
}
conf "$T/anketa.conf" "imap://127.0.0.1:$IMAP_PORT"
A() { "$ANKETA_BIN" -c "$T/anketa.conf" "$@"; }
DA() { doveadm -c "$S/dovecot.conf" "$@"; }
MD=$S/mail/example.org/organiser/Maildir
q() { sqlite3 "$T/anketa.db" "$1"; }

save() {	# save ID FROM SUBJECT [extra header]
	printf 'From: %s\r\nTo: organiser@example.org\r\nSubject: %s\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s>\r\n%sMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\nwhich survey is this about?\r\n' \
		"$2" "$3" "$1" "${4:-}" | DA save -u organiser@example.org -m INBOX
}
fill() {
	for i in 1 2 3 4 5; do save "q$i@elsewhere.org" "person$i@elsewhere.org" "A question $i" || return 1; done
	save "ooo@elsewhere.org" "away@elsewhere.org" "Out of office" 'Auto-Submitted: auto-replied\r\n' || return 1
	save "poison@elsewhere.org" "bad@elsewhere.org" "Crash me" || return 1
}
ok "seven messages saved into INBOX" fill

fetch1() { ANKETA_TEST_CRASH_MSGID=poison@elsewhere.org A fetch; }
ok "fetch: exit 0 although the parser crashed on one message" fetch1
ok "fetch: the summary counts 7" grep -q "fetched 7:" "$T/out.2"
kinds() { eq "auto-reply=1 quarantine=1 unmatched=5" "$(q "select group_concat(k, ' ') from (select kind || '=' || count(*) k from inbound group by kind order by kind)")"; }
ok "store: 5 unmatched, 1 auto-reply, 1 quarantined" kinds
qreason() { q "select reason from inbound where kind='quarantine'" | grep -q 'parser crashed or hung on this message: killed by signal 6'; }
ok "the quarantined message says why" qreason
qraw() { eq 1 "$(q "select count(*) from inbound where kind='quarantine' and length(raw) > 100")"; }
ok "the quarantined message keeps its raw bytes" qraw
nomark() { eq 0 "$(q "select count(*) from inbound_parsing")"; }
ok "no parsing mark is left behind" nomark

fetch2() { A fetch >"$T/fetch2.out" && grep -q "fetched 0:" "$T/fetch2.out"; }
ok "fetch again: nothing new" fetch2
count7() { eq 7 "$(q "select count(*) from inbound")"; }
ok "store still holds 7" count7

nfiles() { find "$@" -type f 2>/dev/null | wc -l; }
moved() {
	eq 6 "$(nfiles "$MD/.Review/new" "$MD/.Review/cur")" &&
	eq 1 "$(nfiles "$MD/.Auto/new" "$MD/.Auto/cur")" &&
	eq 0 "$(nfiles "$MD/new" "$MD/cur")"
}
ok "moved: 6 to Review, 1 to Auto, INBOX empty" moved

# A run that died while parsing leaves its mark: the next run quarantines
# that message instead of parsing it again.
left_mark() {
	save "next@elsewhere.org" "next@elsewhere.org" "After the crash" || return 1
	local uv uid
	uv=$(DA -f flow mailbox status -u organiser@example.org uidvalidity INBOX | sed 's/.*uidvalidity=//')
	uid=$(DA -f flow search -u organiser@example.org mailbox INBOX all | awk '{print $2}' | tail -1)
	q "insert into inbound_parsing(src_key, started) values ('imap://127.0.0.1:$IMAP_PORT/INBOX/$uv/$uid', 0)"
	A fetch || return 1
	eq "imap://127.0.0.1:$IMAP_PORT/INBOX/$uv/$uid" "$(q "select src_key from inbound where kind='quarantine' and reason like '%earlier run died%'")"
}
ok "a mark left by a dead run quarantines that message" left_mark

unreach() {
	conf "$T/bad.conf" "imap://127.0.0.1:12199"
	if "$ANKETA_BIN" -c "$T/bad.conf" fetch 2>"$T/err"; then return 1; fi
	cat "$T/err"; grep -q "127.0.0.1:12199" "$T/err"
}
ok "unreachable IMAP: non-zero exit naming host:port" unreach

untrusted() {
	conf "$T/tls.conf" "imaps://127.0.0.1:$IMAPS_PORT"
	sed -i "s|^ca_file = .*|ca_file = /etc/ssl/certs/ca-certificates.crt|" "$T/tls.conf"
	if "$ANKETA_BIN" -c "$T/tls.conf" fetch 2>"$T/err"; then return 1; fi
	cat "$T/err"; grep -q "certificate not trusted" "$T/err"
}
ok "imaps with a CA that does not sign the server: refused" untrusted

trusted() {
	conf "$T/tls2.conf" "imaps://127.0.0.1:$IMAPS_PORT"
	# the exit status too: fetch prints its summary even when it fails
	"$ANKETA_BIN" -c "$T/tls2.conf" fetch >"$T/tls2.out" &&
		grep -q "fetched 0:" "$T/tls2.out"
}
ok "imaps with the right CA: connects, nothing new" trusted

# A run that dies after a batch's marks are committed (abort after the
# first commit) records nothing and leaves one batch mark per message.
# The next run takes that batch one message at a time, each under its own
# mark; dying again (first commit = the first message's mark) names that
# message, so the run after quarantines it alone and records the rest.
crash_batch() {
	local i
	for i in 1 2 3; do save "c$i@elsewhere.org" "c$i@elsewhere.org" "Crash $i" || return 1; done
	if ANKETA_CRASH_AFTER=1 A fetch 2>/dev/null; then echo "did not crash"; return 1; fi
	eq 3 "$(q "select count(*) from inbound_parsing where src_key like 'batch:%'")" &&
	eq 0 "$(q "select count(*) from inbound where subject like 'Crash _'")"
}
ok "a run dying between a batch's marks and its commit records none of it" crash_batch
crash_alone() {
	if ANKETA_CRASH_AFTER=1 A fetch 2>/dev/null; then echo "did not crash"; return 1; fi
	eq 1 "$(q "select count(*) from inbound_parsing where src_key not like 'batch:%'")"
}
ok "the next run takes that batch one by one and dies on its first message" crash_alone
crash_resume() {
	A fetch || return 1
	# the three newest rows, oldest first: the quarantined message keeps
	# no subject (it was never parsed), so go by row order
	eq "quarantine unmatched unmatched" "$(q "select group_concat(kind, ' ') from (select kind from (select id, kind from inbound order by id desc limit 3) order by id)")" &&
	eq 0 "$(q "select count(*) from inbound_parsing")"
}
ok "then that message alone is quarantined, the others are recorded" crash_resume

# A message over max_message_bytes is quarantined without being read
# (its RFC822.SIZE says so); the other message of the batch goes through.
too_large() {
	conf "$T/big.conf" "imap://127.0.0.1:$IMAP_PORT"
	printf '[limits]\nmax_message_bytes = 2048\n' >>"$T/big.conf"
	save "small@elsewhere.org" "small@elsewhere.org" "Small" || return 1
	{ printf 'From: big@elsewhere.org\r\nSubject: Big\r\nMessage-ID: <big@elsewhere.org>\r\n\r\n'
	  for i in $(seq 1 100); do printf 'line %d of a message larger than the limit\r\n' "$i"; done
	} | DA save -u organiser@example.org -m INBOX || return 1
	"$ANKETA_BIN" -c "$T/big.conf" fetch || return 1
	q "select reason from inbound where kind = 'quarantine' order by id desc limit 1" | grep -q 'message too large' &&
	eq 1 "$(q "select count(*) from inbound where subject = 'Small' and kind = 'unmatched'")"
}
ok "a message over max_message_bytes is quarantined unread, its batch goes on" too_large

# IDLE: the binary itself runs in the background (no shell function in
# between, so SIGTERM reaches it); a message delivered through Postfix
# after it started is recorded within 5 s; SIGTERM ends it with exit 0.
idle_start() {
	"$ANKETA_BIN" -c "$T/anketa.conf" fetch --idle >"$T/idle.out" 2>"$T/idle.err" &
	echo $! >"$T/idle.pid"
	sleep 1	# its first pass finds nothing; then it waits in IDLE
	kill -0 "$(cat "$T/idle.pid")" || { cat "$T/idle.err"; return 1; }
}
ok "fetch --idle: starts and waits" idle_start
idle_deliver() {
	swaks --silent 2 --server 127.0.0.1:$SMTP_PORT --from late@elsewhere.org \
		--to organiser@example.org --header 'Subject: Late question' \
		--body 'Is it too late to answer?' || return 1
	local i
	for i in $(seq 1 50); do
		[ "$(q "select count(*) from inbound where from_addr = 'late@elsewhere.org' and subject = 'Late question'")" = 1 ] &&
			return 0
		sleep 0.1
	done
	echo "not recorded within 5 s"; cat "$T/idle.err"; return 1
}
ok "fetch --idle: a message delivered meanwhile is recorded within 5 s" idle_deliver
idle_stop() {
	local pid rc=0
	pid=$(cat "$T/idle.pid")
	kill -TERM "$pid"
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && { echo "still running 5 s after SIGTERM"; return 1; }
	wait "$pid" || rc=$?
	: >"$T/idle.pid"
	cat "$T/idle.err"
	eq 0 "$rc"
}
ok "fetch --idle: SIGTERM ends it with exit 0" idle_stop

exit $((tap_failed > 0))
