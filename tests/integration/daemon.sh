#!/usr/bin/env bash
# daemon.sh -- `anketa run` on the embedded default (Maildir in and out):
# the loop sends a newly added campaign, ingests replies that arrive, keeps
# its config when a reload is invalid, and drains and exits on SIGTERM.
. "$(dirname "$0")/lib.sh"
make_tmp
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
echo "1..6"
S=$ANKETA_SRCDIR
mkdir -p "$T"/out/{tmp,new,cur} "$T"/in/{tmp,new,cur}
write_conf "$T/a.conf" "$T/a.db" "maildir:$T/out" <<CONF
[imap]
url = maildir:$T/in
[daemon]
send_interval = 10
fetch_interval = 5
[feedback]
enabled = no
CONF
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
printf 'email,name,municipality,country,language,groups,role\na@example.org,Anna,Gent,BE,en,d,official\nb@example.org,Boris,Kavarna,BG,bg,d,official\n' >"$T/c.csv"
printf '[campaign]\nname = d1\nquestionnaire = %s/surveys/exchange-visit-feedback.xml\ntemplate = survey\ndeadline = 2099-12-20\n[audience]\ngroup = d\n' "$S" >"$T/d1.campaign"
A contacts import "$T/c.csv" >/dev/null && A campaign add "$T/d1.campaign" >/dev/null

"$ANKETA_BIN" -c "$T/a.conf" run >"$T/run.log" 2>&1 &
pid=$!
ok "the daemon sends the campaign's messages" wait_files "$T/out/new" 2
for f in "$T"/out/new/*; do
	b=$(basename "$f")
	printf '1\t5\n2\t4\n4\tThe school visits.\n5\tA homework club.\n10\tyes\n' >"$T/ans"
	perl "$S/tests/integration/reply.pl" top "$f" "$T/ans" >"$T/in/tmp/r.$b" &&
		mv "$T/in/tmp/r.$b" "$T/in/new/r.$b"
done
responded() {
	local i
	for i in $(seq 1 40); do
		[ "$(A report --format json d1 | jq .responses.responded)" = 2 ] && return 0
		sleep 0.5
	done
	A report d1
	return 1
}
ok "the daemon ingests the replies that arrive" responded
cp "$T/a.conf" "$T/good.conf"
printf '[smtp]\nurl = gopher://x\n' >>"$T/a.conf"
kill -HUP $pid; sleep 1
ok "an invalid reload is refused and the daemon keeps running" bash -c "kill -0 $pid && grep -q 'reload refused' '$T/run.log'"
cp "$T/good.conf" "$T/a.conf"
kill -HUP $pid; sleep 1
ok "a valid reload is taken" grep -q 'configuration reloaded' "$T/run.log"
kill -TERM $pid
stopped() {
	local i
	for i in $(seq 1 100); do
		kill -0 $pid 2>/dev/null || { wait $pid; return $?; }
		sleep 0.1
	done
	echo "still running after 10 s"; return 1
}
ok "SIGTERM: drains and exits 0" stopped
pid=
ok "nothing was sent twice" eq 2 "$(ls "$T/out/new" | wc -l)"
sed 's/^/# /' "$T/run.log" | tail -15
exit 0
