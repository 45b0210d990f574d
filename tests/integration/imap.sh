#!/usr/bin/env bash
# imap.sh -- the IMAP client (daemon/receive/fetch_imap.c) against a real
# Dovecot and against imap_script.py, a scripted server that misbehaves on
# cue:
#   TLS: Dovecot serves a leaf signed by an intermediate CA (root ->
#     intermediate -> leaf, made here with openssl) and sends the
#     intermediate along; with only the root in ca_file, imaps:// and
#     STARTTLS connect; a host name the certificate does not carry and a
#     root not in ca_file are refused, naming host:port and why; a host
#     name goes out as SNI.
#   Mailbox names: a percent-escaped Cyrillic mailbox in the URL and
#     Cyrillic folders (with a space) go out in modified UTF-7: Dovecot
#     files the messages under their UTF-8 names; without MOVE, CREATE
#     and UID COPY carry the encoded name too.
#   IDLE: mail that arrives while anketa's IDLE or UID MOVE is on its way
#     to Dovecot (a proxy saves it at that moment) is recorded within 3 s:
#     Dovecot says "+ idling" and "* N EXISTS" in one write, or puts the
#     EXISTS in the MOVE's answer, and neither reaches a poll() on the
#     socket. The scripted server does the same over imaps:// and with
#     UID STORE's answer.
#   Login: AUTHENTICATE PLAIN with an initial response where SASL-IR is
#     offered (Dovecot among them), after "+" where not, LOGIN
#     where AUTH=PLAIN is not offered; a wrong password is refused with
#     the server's words; [UNAVAILABLE] is retried, not a stop.
#   Errors: a connection dropped at UID STORE reads "host:port: connection
#     lost during UID STORE".
#   URL: imap://[::1]:PORT/ reaches a server on the IPv6 loopback (skipped
#     where there is none).
. "$(dirname "$0")/lib.sh"
need_root_stack
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
command -v openssl >/dev/null || skip_all "openssl not installed"
make_tmp
S=$T/stack
# ports of their own: other integration scripts may run at the same time
export IMAP_PORT=16143 IMAPS_PORT=16993 SMTP_PORT=16025
stack="$ANKETA_SRCDIR/tests/mailstack/mailstack"
script_py="$ANKETA_SRCDIR/tests/integration/imap_script.py"
cleanup() {
	local p
	for p in $(cat "$T/pids" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	"$stack" stop "$S" >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

# root -> intermediate -> leaf for Dovecot (DNS:mail.test, 127.0.0.1, ::1;
# not localhost), a second leaf for the scripted server (DNS:localhost)
# and an unrelated root
pki() {
	local d=$T/pki ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	mkdir -p "$d" || return 1
	openssl req -x509 $ec -days 30 -subj "/CN=anketa test root" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-keyout "$d/root.key" -out "$d/root.pem" || return 1
	openssl req -x509 $ec -days 30 -subj "/CN=some other root" \
		-keyout "$d/other.key" -out "$d/other.pem" || return 1
	openssl req $ec -subj "/CN=anketa test intermediate" \
		-keyout "$d/int.key" -out "$d/int.csr" || return 1
	printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$d/int.ext"
	openssl x509 -req -in "$d/int.csr" -CA "$d/root.pem" -CAkey "$d/root.key" \
		-set_serial 2 -days 30 -extfile "$d/int.ext" -out "$d/int.pem" || return 1
	local leaf san serial=3
	for leaf in dovecot script; do
		san="DNS:mail.test,IP:127.0.0.1,IP:::1"
		[ $leaf = script ] && san="DNS:localhost"
		openssl req $ec -subj "/CN=$leaf" -keyout "$d/$leaf.key" \
			-out "$d/$leaf.csr" || return 1
		printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
			"$san" >"$d/$leaf.ext"
		openssl x509 -req -in "$d/$leaf.csr" -CA "$d/int.pem" -CAkey "$d/int.key" \
			-set_serial $serial -days 30 -extfile "$d/$leaf.ext" \
			-out "$d/$leaf.pem" || return 1
		cat "$d/$leaf.pem" "$d/int.pem" >"$d/$leaf-chain.pem"
		serial=$((serial + 1))
	done
}
pki >"$T/pki.log" 2>&1 || skip_all "openssl could not make the test certificates: $(tail -1 "$T/pki.log")"
# the stack keeps a certificate already in DIR/ssl: the leaf and its
# intermediate, as a server with a real CA's certificate is set up
mkdir -p "$S/ssl"
cp "$T/pki/dovecot-chain.pem" "$S/ssl/cert.pem"
cp "$T/pki/dovecot.key" "$S/ssl/key.pem"
chmod 644 "$S/ssl/cert.pem"; chmod 600 "$S/ssl/key.pem"
"$stack" start "$S" >"$T/stack.log" 2>&1 || skip_all "mail stack did not start: $(tail -1 "$T/stack.log")"
echo "1..23"

printf 'secret\n' >"$T/pw"; chmod 600 "$T/pw"
conf() {	# conf NAME URL [more [imap] lines]: $T/NAME.conf, store $T/NAME.db
	write_conf "$T/$1.conf" "$T/$1.db" "smtp://127.0.0.1:$SMTP_PORT" <<CONF
[imap]
url = $2
username = organiser@example.org
password_file = ${PW:-$T/pw}
ca_file = $T/pki/root.pem
timeout = 10
${3:-}
[feedback]
enabled = no
CONF
}
A() { local n=$1; shift; "$ANKETA_BIN" -c "$T/$n.conf" "$@"; }
# fetched NAME N: one fetch succeeds (exit 0: it prints its summary even
# when it fails) and reads N messages
fetched() {
	A "$1" fetch >"$T/$1.out" 2>"$T/$1.err" || { cat "$T/$1.err"; return 1; }
	grep -q "fetched $2:" "$T/$1.out"
}
DA() { doveadm -c "$S/dovecot.conf" "$@"; }
q() { sqlite3 "$T/$1.db" "$2" 2>/dev/null; }
msg() {		# msg FROM [extra header]: a message on standard output
	printf 'From: %s\r\nTo: organiser@example.org\r\nSubject: A question\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s>\r\n%s\r\nWhich survey is this about?\r\n' \
		"$1" "$1" "${2:-}"
}
save() { msg "$1" "${3:-}" | DA save -u organiser@example.org -m "${2:-INBOX}"; }
# The scripted servers, all in one process (Python starts slowly on a
# busy machine), each NAME with its port in $T/NAME.port and the commands
# it got in $T/NAME.cmds; the two proxies save a message into Dovecot's
# INBOX the moment anketa sends IDLE, or UID MOVE.
scripts() {
	msg two@elsewhere.org >"$T/pidle.eml"
	msg four@elsewhere.org >"$T/pmove.eml"
	local save="doveadm -c $S/dovecot.conf save -u organiser@example.org -m INBOX"
	# in a subshell: no job notice from this shell when cleanup kills it
	(python3 "$script_py" --dir "$T" \
		"pidle --proxy 127.0.0.1:$IMAP_PORT --before IDLE --run '$save <$T/pidle.eml'" \
		"pmove --proxy 127.0.0.1:$IMAP_PORT --before 'UID MOVE' --run '$save <$T/pmove.eml'" \
		"sidle --tls-cert $T/pki/script-chain.pem --tls-key $T/pki/script.key --arrive-on IDLE" \
		"sstore --arrive-on 'UID STORE'" \
		"ir --caps 'IMAP4rev1 IDLE AUTH=PLAIN SASL-IR'" \
		"noir --caps 'IMAP4rev1 IDLE AUTH=PLAIN'" \
		"noplain --caps 'IMAP4rev1 IDLE AUTH=CRAM-MD5'" \
		"wrongpw" "busy" "drop --drop 'UID STORE'" \
		"copy --caps 'IMAP4rev1 IDLE UIDPLUS AUTH=PLAIN SASL-IR'" \
		"v6 --listen ::1" >"$T/scripts.log" 2>&1 & echo $! >>"$T/pids")
	local n missing
	for _ in $(seq 1 300); do	# v6 may never come: no IPv6 here
		missing=
		for n in pidle pmove sidle sstore ir noir noplain wrongpw busy drop copy; do
			[ -s "$T/$n.port" ] || missing="$missing $n"
		done
		[ -z "$missing" ] && return 0
		sleep 0.1
	done
	echo "not listening after 30 s:$missing"; cat "$T/scripts.log"; return 1
}
port() { cat "$T/$1.port"; }
# refused NAME TEXT: fetch fails, its error names TEXT
refused() {
	if A "$1" fetch 2>"$T/$1.err"; then echo "fetch succeeded"; return 1; fi
	cat "$T/$1.err"; grep -qF -- "$2" "$T/$1.err"
}
# recorded NAME FROM SECONDS: FROM's message in NAME's store in time
recorded() {
	local i
	for i in $(seq 1 $(($3 * 10))); do
		[ "$(q "$1" "select count(*) from inbound where from_addr = '$2'")" = 1 ] && return 0
		sleep 0.1
	done
	echo "$2: not recorded within $3 s"; grep -v 'info:' "$T/$1.err" | tail -5; return 1
}
# idle_start NAME / idle_stop NAME: fetch --idle in the background
idle_start() {
	"$ANKETA_BIN" -c "$T/$1.conf" fetch --idle >"$T/$1.out" 2>"$T/$1.err" &
	echo $! >"$T/$1.pid"; echo $! >>"$T/pids"
}
idle_stop() { kill -TERM "$(cat "$T/$1.pid")" 2>/dev/null; wait "$(cat "$T/$1.pid")" 2>/dev/null; }

# ---- TLS: the whole chain, against Dovecot ------------------------------

conf tls "imaps://127.0.0.1:$IMAPS_PORT"
ok "imaps: a leaf signed by an intermediate the server sends, the root in ca_file: connects" \
	fetched tls 0
conf starttls "imap://127.0.0.1:$IMAP_PORT" "require_tls = yes"
ok "imap:// + STARTTLS, the same chain: connects" fetched starttls 0
conf wrongname "imaps://localhost:$IMAPS_PORT"
ok "a host name the certificate does not carry: refused, naming host:port" \
	refused wrongname "localhost:$IMAPS_PORT: TLS: certificate is not for localhost (it names DNS:mail.test, IP:127.0.0.1"
conf otherroot "imaps://127.0.0.1:$IMAPS_PORT"
sed -i "s|^ca_file = .*|ca_file = $T/pki/other.pem|" "$T/otherroot.conf"
ok "a root not in ca_file: refused, naming host:port and the root" \
	refused otherroot "127.0.0.1:$IMAPS_PORT: TLS: certificate not trusted: its chain ends at \"CN=anketa test root\", which is not in ca_file $T/pki/other.pem"

# ---- modified UTF-7 mailbox names, against Dovecot ----------------------

# Входящи, percent-escaped in the URL
inbox_url="imap://127.0.0.1:$IMAP_PORT/%D0%92%D1%85%D0%BE%D0%B4%D1%8F%D1%89%D0%B8"
conf utf7 "$inbox_url" "require_tls = yes
folder_processed = Обработени
folder_review = За преглед
folder_autoreplies = Автоотговори"
utf7_fill() {
	DA mailbox create -u organiser@example.org Входящи &&
	save person@elsewhere.org Входящи &&
	save away@elsewhere.org Входящи 'Auto-Submitted: auto-replied\r\n'
}
ok "Dovecot: two messages in the mailbox Входящи" utf7_fill
ok "fetch from the percent-escaped URL of Входящи: both read" fetched utf7 2
count_in() { DA -f flow mailbox status -u organiser@example.org messages "$1" | sed 's/.*messages=//'; }
utf7_moved() {
	DA mailbox list -u organiser@example.org | sort | tr '\n' ' '; echo
	eq 1 "$(count_in 'За преглед')" && eq 1 "$(count_in Автоотговори)" &&
	eq 0 "$(count_in Входящи)"
}
ok "moved to 'За преглед' and Автоотговори, Входящи empty" utf7_moved
utf7_key() { eq 2 "$(q utf7 "select count(*) from inbound where src_key like 'imap://127.0.0.1:$IMAP_PORT/Входящи/%'")"; }
ok "the store's key names the mailbox in UTF-8" utf7_key
ok "the scripted servers and proxies listen" scripts

# ---- IDLE sees what came with "+ idling" or another answer ---------------

# behind NAME CMD FROM1 FROM2: through the proxy NAME, fetch --idle reads
# FROM1's message, then FROM2's arrives while CMD is on its way
behind() {
	conf "$1" "imap://127.0.0.1:$(port "$1")" "require_tls = no
folder_review = Review"
	save "$3" || return 1
	idle_start "$1"
	recorded "$1" "$3" 5 && recorded "$1" "$4" 3
	local rc=$?
	idle_stop "$1"; grep "$2" "$T/$1.cmds" | head -3
	return $rc
}
ok "Dovecot: mail arriving while IDLE is on its way (+ idling and EXISTS in one write): recorded within 3 s" \
	behind pidle IDLE one@elsewhere.org two@elsewhere.org
ok "Dovecot: mail arriving while UID MOVE is on its way (EXISTS in its answer): recorded within 3 s" \
	behind pmove "UID MOVE" three@elsewhere.org four@elsewhere.org
# what went to Dovecot, seen by the proxy (Dovecot itself logs LOGIN as
# method=PLAIN too)
plain_used() { grep -Eq '^1 AUTHENTICATE PLAIN [A-Za-z0-9+/]+=*$' "$T/pmove.cmds"; }
ok "Dovecot offers AUTH=PLAIN and SASL-IR: anketa logged in with AUTHENTICATE PLAIN" plain_used

# the scripted server: over imaps:// (a leaf for localhost, signed by the
# intermediate it sends along), its new mail right behind "+ idling"
conf sidle "imaps://localhost:$(port sidle)"
sidle() {
	idle_start sidle
	recorded sidle sender1@elsewhere.org 5 && recorded sidle sender2@elsewhere.org 3
	local rc=$?
	idle_stop sidle
	return $rc
}
ok "imaps, scripted: EXISTS in the same TLS record as + idling: recorded within 3 s" sidle
sni() { grep -qx "SNI localhost" "$T/sidle.cmds"; }
ok "imaps://localhost: SNI names localhost" sni
conf sstore "imap://127.0.0.1:$(port sstore)" "require_tls = no"
sstore() {
	idle_start sstore
	recorded sstore sender1@elsewhere.org 5 && recorded sstore sender2@elsewhere.org 3
	local rc=$?
	idle_stop sstore
	return $rc
}
ok "scripted: EXISTS in the answer to UID STORE: recorded within 3 s" sstore

# ---- login --------------------------------------------------------------

login() {	# login NAME: one fetch; the commands sent
	conf "$1" "imap://127.0.0.1:$(port "$1")" "require_tls = no"
	A "$1" fetch >/dev/null 2>"$T/$1.err" || { cat "$T/$1.err"; return 1; }
	cat "$T/$1.cmds"
}
b64=$(printf '\0organiser@example.org\0secret' | base64)
sasl_ir() { login ir && grep -qx "1 AUTHENTICATE PLAIN $b64" "$T/ir.cmds"; }
ok "AUTH=PLAIN and SASL-IR: AUTHENTICATE PLAIN with the initial response" sasl_ir
no_ir() {
	login noir &&
	eq "1 AUTHENTICATE PLAIN|$b64" "$(head -2 "$T/noir.cmds" | paste -sd '|')"
}
ok "AUTH=PLAIN without SASL-IR: the response after the server's +" no_ir
no_plain() { login noplain && grep -q '^1 LOGIN "organiser@example.org" secret$' "$T/noplain.cmds"; }
ok "no AUTH=PLAIN: LOGIN" no_plain
wrong_pw() {
	printf 'wrong\n' >"$T/pw.wrong"; chmod 600 "$T/pw.wrong"
	PW=$T/pw.wrong conf wrongpw "imap://127.0.0.1:$(port wrongpw)" "require_tls = no"
	refused wrongpw "127.0.0.1:$(port wrongpw): AUTHENTICATE PLAIN: [AUTHENTICATIONFAILED] Authentication failed."
}
ok "a wrong password: refused, naming host:port, with the server's words" wrong_pw
unavailable() {
	printf 'busy\n' >"$T/pw.busy"; chmod 600 "$T/pw.busy"
	PW=$T/pw.busy conf busy "imap://127.0.0.1:$(port busy)" "require_tls = no"
	idle_start busy
	sleep 1.5
	kill -0 "$(cat "$T/busy.pid")" || { cat "$T/busy.err"; return 1; }
	idle_stop busy; cat "$T/busy.err"
	grep -qF "AUTHENTICATE PLAIN: [UNAVAILABLE] Authentication service down; retrying in 1 s" "$T/busy.err"
}
ok "[UNAVAILABLE] to AUTHENTICATE: fetch --idle retries with back-off" unavailable

# ---- errors, names without MOVE, IPv6 -----------------------------------

dropped() {
	conf drop "imap://127.0.0.1:$(port drop)" "require_tls = no"
	refused drop "127.0.0.1:$(port drop): connection lost during UID STORE"
}
ok "the connection dropped at UID STORE: 'host:port: connection lost during UID STORE'" dropped
copy_utf7() {
	conf copy "imap://127.0.0.1:$(port copy)" "require_tls = no
folder_review = Обработени"
	A copy fetch >/dev/null 2>"$T/copy.err" || { cat "$T/copy.err"; return 1; }
	cat "$T/copy.cmds"
	# quoted or not: both are the same astring
	grep -Eq ' CREATE "?&BB4EMQRABDAEMQQ\+BEIENQQ9BDg-"?$' "$T/copy.cmds" &&
	grep -Eq ' UID COPY 1 "?&BB4EMQRABDAEMQQ\+BEIENQQ9BDg-"?$' "$T/copy.cmds" &&
	grep -q ' UID EXPUNGE 1$' "$T/copy.cmds"
}
ok "no MOVE: CREATE and UID COPY name Обработени in modified UTF-7" copy_utf7
ipv6() {
	conf v6 "imap://[::1]:$(port v6)/" "require_tls = no"
	A v6 fetch >/dev/null 2>"$T/v6.err" || { cat "$T/v6.err"; return 1; }
	eq "imap://[::1]:$(port v6)/INBOX/42/1" "$(q v6 "select src_key from inbound")"
}
if [ -s "$T/v6.port" ]; then
	ok "imap://[::1]:PORT/: the IPv6 loopback, the store key keeps the brackets" ipv6
else
	tap_n=$((tap_n + 1)); echo "ok $tap_n - imap://[::1]:PORT/ # SKIP no IPv6 loopback here"
fi

exit $((tap_failed > 0))
