# lib.sh -- shared by the integration tests: TAP output, skipping, a
# temporary directory, and a mail stack on 127.0.0.1. Sourced, not run.
ANKETA_SRCDIR=${ANKETA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
ANKETA_BIN=${ANKETA_BIN:-$ANKETA_SRCDIR/build/check/anketa}
tap_n=0
tap_failed=0

ok() {		# ok DESCRIPTION COMMAND...: run COMMAND, report its result
	local d=$1; shift
	tap_n=$((tap_n + 1))
	if "$@" >"$T/out.$tap_n" 2>&1; then
		echo "ok $tap_n - $d"
	else
		echo "not ok $tap_n - $d"
		sed 's/^/# /' "$T/out.$tap_n" | head -40
		tap_failed=$((tap_failed + 1))
	fi
}

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

need_root_stack() {
	[ -n "${ANKETA_SKIP_INTEGRATION:-}" ] && skip_all "ANKETA_SKIP_INTEGRATION set"
	[ "$(id -u)" = 0 ] || skip_all "needs root to run Postfix and Dovecot"
	for b in /usr/sbin/dovecot /usr/sbin/postfix /usr/bin/swaks; do
		[ -x "$b" ] || skip_all "$b not installed (scripts/deps test)"
	done
}

# A temporary directory short enough for Dovecot's socket paths and
# traversable by the mail users.
make_tmp() {
	T=$(mktemp -d /tmp/ak-XXXXXX)
	chmod 755 "$T"
}

# eq EXPECTED ACTUAL: for ok; prints both when they differ
eq() {
	[ "$1" = "$2" ] && return 0
	printf 'expected: %s\n     got: %s\n' "$1" "$2"
	return 1
}

# out_rc WANT_RC WANT_TEXT COMMAND...: one run of COMMAND must exit WANT_RC
# and print WANT_TEXT (a fixed string) on stdout or stderr; both are checked
out_rc() {
	local want_rc=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\nexit %s\n' "$out" "$rc"
	[ "$rc" = "$want_rc" ] || { echo "wanted exit $want_rc"; return 1; }
	grep -qF -- "$want" <<<"$out" || { echo "wanted the text: $want"; return 1; }
}

# wait_files DIR N: until DIR holds at least N files (10 s at most)
wait_files() {
	local i
	for i in $(seq 1 100); do
		[ "$(find "$1" -type f 2>/dev/null | wc -l)" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "$1: $(find "$1" -type f 2>/dev/null | wc -l) files, wanted $2"
	return 1
}

# write_conf FILE DB SMTP_URL: an anketa.conf with the keys every test
# shares (store DB, the source tree's templates, surveys and schema, the
# organiser as sender, the smtp url), then standard input appended as is:
# lines before a section header go on in [smtp]; a section given again
# adds keys to it (give </dev/null for none).
write_conf() {
	cat >"$1" <<CONF
[store]
path = $2
[paths]
templates = $ANKETA_SRCDIR/templates
surveys = $ANKETA_SRCDIR/surveys
schema = $ANKETA_SRCDIR/surveys/survey.rng
[sender]
address = organiser@example.org
reply_to = organiser+{token}@example.org
[smtp]
url = $3
CONF
	cat >>"$1"
}

# maildir_conf DIR: Maildir out (DIR/out) and in (DIR/in), and DIR/a.conf
# on the store DIR/a.db that sends to the one and fetches from the other;
# standard input is appended as for write_conf.
maildir_conf() {
	mkdir -p "$1"/out/{tmp,new,cur} "$1"/in/{tmp,new,cur}
	{ printf '[imap]\nurl = maildir:%s/in\n' "$1"; cat; } |
		write_conf "$1/a.conf" "$1/a.db" "maildir:$1/out"
}

# survey_campaign FILE NAME DEADLINE GROUP: a campaign file for the
# exchange-visit questionnaire with the survey template, to GROUP
survey_campaign() {
	printf '[campaign]\nname = %s\nquestionnaire = %s/surveys/exchange-visit-feedback.xml\ntemplate = survey\ndeadline = %s\n[audience]\ngroup = %s\n' \
		"$2" "$ANKETA_SRCDIR" "$3" "$4" >"$1"
}

# sql_is EXPECTED DB SQL: for ok; the query's answer is EXPECTED
sql_is() {
	eq "$1" "$(sqlite3 "$2" "$3")"
}

# ---- a daemon under test, its log in $T/run.log ----------------------------
until_ok() {	# until CMD succeeds, 30 s at most (0.2 s steps)
	local i
	for i in $(seq 1 150); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "not within 30 s: $*"; tail -20 "$T/run.log"; return 1
}
n_in() { [ "$(ls "$1" | wc -l)" -ge "$2" ]; }	# DIR holds N files or more
gone() { ! kill -0 "$1" 2>/dev/null; }
passes() { grep -c 'send: started pid' "$T/run.log"; }
pass_over() {	# the latest send pass has ended
	local p
	p=$(sed -n 's/.*send: started pid \([0-9]*\).*/\1/p' "$T/run.log" | tail -1)
	[ -n "$p" ] && gone "$p"
}
