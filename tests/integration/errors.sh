#!/usr/bin/env bash
# errors.sh -- limits and the words of failure: a message the parser
# would take all memory on is quarantined with a reason that says memory
# while the rest are recorded (test hook ANKETA_TEST_ALLOC_MSGID, see
# daemon/receive/ingest_worker.h).
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip_all "sqlite3 missing (store checks)"
make_tmp
trap 'rm -rf "$T"' EXIT
echo "1..3"
write_conf "$T/a.conf" "$T/a.db" "maildir:$T/out" <<'CONF'
[feedback]
enabled = no
[limits]
max_message_bytes = 65536
CONF
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
q() { sqlite3 "$T/a.db" "$1"; }

# ---- the parse worker's memory limit ----
mkdir -p "$T"/in/{new,cur,tmp}
for i in 1 2 3; do
	printf 'From: p%s@elsewhere.org\r\nTo: organiser@example.org\r\nSubject: Question %s\r\nMessage-ID: <m%s@elsewhere.org>\r\n\r\nWhich survey is this?\r\n' \
		"$i" "$i" "$i" >"$T/in/new/100$i.M1.host"
done
hog() { ANKETA_TEST_ALLOC_MSGID=m2@elsewhere.org A fetch --source "maildir:$T/in"; }
ok "fetch: exit 0 although the parser ran out of memory on one message" hog
kinds() { eq "quarantine=1 unmatched=2" "$(q "select group_concat(k, ' ') from (select kind || '=' || count(*) k from inbound group by kind order by kind)")"; }
ok "that message quarantined, the other two recorded" kinds
reason() {
	local r
	r=$(q "select reason from inbound where kind = 'quarantine' and src_key like '%/1002.M1.host'")
	echo "$r"
	grep -q "out of memory" <<<"$r"
}
ok "the quarantined message says it ran out of memory" reason
exit 0
