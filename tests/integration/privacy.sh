#!/usr/bin/env bash
# privacy.sh -- personal data end to end on the embedded default (Maildir
# in and out, no root): `contacts forget` leaves nothing of a respondent
# in the store's tables or its file and keeps the tombstone anketa(1)
# promises, cancels her waiting confirmation, and forgets a stranger known
# only from inbound mail; `store sweep` and the daemon drop raw mail past
# [retention] raw_mail_days; `store backup` copies the store while another
# process writes to it, and the copy opens with `report`.
. "$(dirname "$0")/lib.sh"
make_tmp
pid=
wpid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; [ -n "$wpid" ] && kill -9 $wpid 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
echo "1..23"
S=$ANKETA_SRCDIR
command -v sqlite3 >/dev/null || skip_all "sqlite3 (the shell) not installed"
mkdir -p "$T"/out/{tmp,new,cur} "$T"/in/{tmp,new,cur} "$T/inv"
write_conf "$T/a.conf" "$T/a.db" "maildir:$T/out" <<CONF
[imap]
url = maildir:$T/in
[retention]
raw_mail_days = 30
[daemon]
send_interval = 10
fetch_interval = 5
CONF
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
Q() { sqlite3 "$T/a.db" "$@"; }
printf 'email,name,municipality,country,language,groups,role\nann@example.org,Anna Zwirbelhuber,Kortrijk,BE,en,d,mayor\nbob@example.org,Bob Builder,Gent,BE,en,d,official\n' >"$T/c.csv"
printf '[campaign]\nname = d1\nquestionnaire = %s/surveys/exchange-visit-feedback.xml\ntemplate = survey\ndeadline = 2099-12-20\n[audience]\ngroup = d\n' "$S" >"$T/d1.campaign"
A contacts import "$T/c.csv" >/dev/null && A campaign add "$T/d1.campaign" >/dev/null
A send d1 >/dev/null 2>&1
mv "$T"/out/new/* "$T/inv/"
inv_ann=$(grep -l '^To:.*ann@example.org' "$T"/inv/*)
inv_bob=$(grep -l '^To:.*bob@example.org' "$T"/inv/*)
# deliver STYLE ORIGINAL NAME ANSWERS
deliver() {
	printf "$4" >"$T/ans.$3"
	perl "$S/tests/integration/reply.pl" "$1" "$2" "$T/ans.$3" >"$T/in/tmp/$3" &&
		mv "$T/in/tmp/$3" "$T/in/new/$3"
}
deliver top "$inv_ann" ann '1\t5\n4\tZwirbelhuber likes the school visits.\n5\tA homework club.\n10\tyes\n'
deliver top "$inv_bob" bob '1\t4\n4\tAsk ann@example.org about the visits.\n5\tMore time.\n10\tno\n'
printf 'From: Eve <eve@elsewhere.example>\r\nTo: organiser@example.org\r\nSubject: who are you?\r\nMessage-ID: <eve1@elsewhere.example>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nPlease tell me why I got this. eve@elsewhere.example\r\n' >"$T/in/new/eve"
A fetch >"$T/fetch.log" 2>&1
# the confirmations are enqueued and wait: no `send --all` yet
ok "before: two answers, a stranger's message, two confirmations waiting" \
	eq "2 3 2" "$(Q "SELECT (SELECT count(*) FROM responses), (SELECT count(*) FROM inbound), (SELECT count(*) FROM deliveries WHERE kind = 'confirm' AND state = 'pending')" | tr '|' ' ')"
ok "before: the store's file holds her address and surname" \
	bash -c "Q() { sqlite3 '$T/a.db' \"\$@\"; }; Q .dump | grep -qi ann@example.org && Q .dump | grep -q Zwirbelhuber"

# ---- forget ----
ok "contacts forget: exit 0 and what it did" out_rc 0 \
	"1 responses deleted, 1 messages emptied, 1 queued mail cancelled, 2 outbox rows emptied, 3 mentions elsewhere removed" \
	A contacts forget Ann@Example.org
nothing_left() {
	local w
	for w in ann@example.org Zwirbelhuber Kortrijk; do
		if Q .dump | grep -i "$w"; then echo "$w left in a table"; return 1; fi
		if grep -ail "$w" "$T"/a.db*; then echo "$w left in the file's bytes"; return 1; fi
	done
}
ok "nothing of her in any table, nor in the file or its WAL" nothing_left
ok "kept: the tombstone and the date it was forgotten" \
	eq "forgotten-1|forgotten|||1" "$(Q "SELECT c.email, c.status, c.name, c.municipality, count(e.id) FROM contacts c JOIN contact_events e ON e.contact_id = c.id AND e.status = 'forgotten' AND e.created > unixepoch() - 60 WHERE c.id = 1")"
ok "her confirmation is cancelled, bob's still waits; both invitations count as sent" \
	eq "confirm|cancelled|1 confirm|pending|1 invite|sent|2" "$(Q "SELECT kind, state, count(*) FROM deliveries GROUP BY kind, state ORDER BY kind, state" | tr '\n' ' ' | sed 's/ $//')"
ok "the report leaves her out: bob alone, his text without her address" \
	bash -c "'$ANKETA_BIN' -c '$T/a.conf' report --format json d1 >'$T/r.json' && [ \"\$(jq -c '[.responses.delivered, .responses.responded]' '$T/r.json')\" = '[1,1]' ] && grep -q 'Ask \[forgotten\] about the visits' '$T/r.json' && ! grep -qi 'ann@example' '$T/r.json'"
ok "contacts list shows the tombstone" bash -c "'$ANKETA_BIN' -c '$T/a.conf' contacts list | grep -q '^forgotten-1'"
A send --all >/dev/null 2>&1
ok "send --all delivers bob's confirmation only" \
	bash -c "[ \$(ls '$T/out/new' | wc -l) = 1 ] && grep -q '^To:.*bob@example.org' '$T'/out/new/*"
ok "forget again: the address is nowhere now (exit 65, named)" out_rc 65 \
	"ann@example.org: no contact, message or mail in the store has this address" \
	A contacts forget ann@example.org
ok "a stranger known only from her mail is forgotten too" out_rc 0 \
	"no contact had this address: its mail forgotten" A contacts forget eve@elsewhere.example
ok "nothing of the stranger left, her message's row and kind kept" \
	bash -c "! sqlite3 '$T/a.db' .dump | grep -qi eve@elsewhere && ! grep -aqi eve@elsewhere '$T'/a.db* && [ \"\$(sqlite3 '$T/a.db' \"SELECT kind FROM inbound WHERE reason = 'contact forgotten' AND from_addr IS NULL AND contact_id IS NULL\")\" = unmatched ]"
ok "not an address: exit 65" out_rc 65 "ann: not an e-mail address" A contacts forget ann
# a reply to her old invitation now matches nothing of hers: a person sees it
deliver top "$inv_ann" ann2 '1\t1\n10\tno\n'
A fetch >>"$T/fetch.log" 2>&1
ok "a later reply to her old mail is tied to nothing: unmatched, for a person" \
	eq "unmatched||0" "$(Q "SELECT kind, contact_id, (SELECT count(*) FROM responses WHERE contact_id = 1) FROM inbound WHERE from_addr = 'ann@example.org'")"

# ---- retention ----
# raw bytes are kept only of mail a person must look at (answers are
# recorded, not kept): her later reply (unmatched now) and a new one
printf 'From: Carol <carol@elsewhere.example>\r\nTo: organiser@example.org\r\nSubject: hello\r\nMessage-ID: <c1@elsewhere.example>\r\n\r\nhello\r\n' >"$T/in/new/carol"
A fetch >>"$T/fetch.log" 2>&1
ok "two messages keep raw bytes, for a person" \
	eq 2 "$(Q "SELECT count(*) FROM inbound WHERE raw IS NOT NULL AND kind = 'unmatched'")"
# her reply is made older than raw_mail_days (30); carol's is new
Q "UPDATE inbound SET created = created - 31 * 86400 WHERE raw IS NOT NULL AND from_addr = 'ann@example.org'"
ok "store sweep drops the raw mail past raw_mail_days" out_rc 0 \
	"sweep: raw mail of 1 message older than 30 days dropped" A store sweep
ok "its row and kind stay; the newer raw mail stays" \
	eq "unmatched|1|carol@elsewhere.example" "$(Q "SELECT kind, raw IS NULL FROM inbound WHERE from_addr = 'ann@example.org'")|$(Q "SELECT from_addr FROM inbound WHERE raw IS NOT NULL")"
sed 's/^raw_mail_days = 30$/raw_mail_days = 0/' "$T/a.conf" >"$T/keep.conf"
ok "raw_mail_days = 0 keeps raw mail for ever" out_rc 0 "raw mail is kept" \
	"$ANKETA_BIN" -c "$T/keep.conf" store sweep
Q "UPDATE inbound SET created = created - 31 * 86400 WHERE raw IS NOT NULL"
"$ANKETA_BIN" -c "$T/a.conf" run >"$T/run.log" 2>&1 &
pid=$!
swept() {
	local i
	for i in $(seq 1 50); do
		[ "$(Q "SELECT count(*) FROM inbound WHERE raw IS NOT NULL")" = 0 ] && return 0
		sleep 0.2
	done
	cat "$T/run.log"; return 1
}
ok "the daemon sweeps at its send pass" swept
kill -TERM $pid; wait $pid; pid=

# ---- backup ----
# the writer holds one connection open, as the daemon does, so what it
# commits stays in the WAL (a copy of the main file alone would miss it):
# a contact and its group in each transaction, 600 of them, paced so
# that it outlives the backup by seconds
{ echo ".timeout 10000"; echo "PRAGMA synchronous = NORMAL;"
  echo "INSERT OR IGNORE INTO groups(name) VALUES ('w');"
  for i in $(seq 1 60); do
	for j in $(seq 1 10); do
		echo "BEGIN; INSERT INTO contacts(email, token, created, updated) VALUES ('w$i.$j@example.org', 'w$i.$j', 0, 0); INSERT INTO contact_groups SELECT last_insert_rowid(), id FROM groups WHERE name = 'w'; COMMIT;"
	done
	sleep 0.02
  done; } | sqlite3 "$T/a.db" &
wpid=$!
nw() { Q "SELECT count(*) FROM contacts WHERE email LIKE 'w%'"; }
while [ "$(nw)" -lt 100 ]; do sleep 0.05; done
before=$(nw)
A store backup "$T/copy.db" >"$T/backup.log" 2>&1
brc=$?
running=$(kill -0 $wpid 2>/dev/null && echo yes || echo no)
wait $wpid; wrc=$?; wpid=
ok "store backup while another process writes: exit 0, the writer was still at it" \
	eq "0 yes 0" "$brc $running $wrc"
write_conf "$T/copy.conf" "$T/copy.db" "maildir:$T/out" </dev/null
ok "the copy opens with report, the same answers as the store" \
	bash -c "'$ANKETA_BIN' -c '$T/copy.conf' report d1 >'$T/copy.txt' && '$ANKETA_BIN' -c '$T/a.conf' report d1 >'$T/live.txt' && diff '$T/live.txt' '$T/copy.txt'"
ok "the copy is one snapshot: all committed before it began, each contact with its group" \
	bash -c "n=\$(sqlite3 '$T/copy.db' \"SELECT count(*) FROM contacts WHERE email LIKE 'w%'\"); g=\$(sqlite3 '$T/copy.db' \"SELECT count(*) FROM contact_groups cg JOIN groups g ON g.id = cg.group_id WHERE g.name = 'w'\"); echo \"copy \$n (\$g in group w), $before before the backup, 600 at the end\"; [ \$n = \$g ] && [ \$n -ge $before ] && [ \$n -lt 600 ] && [ \$(sqlite3 '$T/a.db' \"SELECT count(*) FROM contacts WHERE email LIKE 'w%'\") = 600 ]"
sum=$(cksum <"$T/copy.db")
ok "store backup never replaces a file (exit 73, named, unchanged)" \
	bash -c "out=\$('$ANKETA_BIN' -c '$T/a.conf' store backup '$T/copy.db' 2>&1); rc=\$?; echo \"\$out\"; [ \$rc = 73 ] && [ \"\$out\" = 'anketa store backup: $T/copy.db: exists; a backup never replaces a file' ] && [ \"\$(cksum <'$T/copy.db')\" = '$sum' ] && [ -z \"\$(ls '$T' | grep 'copy.db\\.')\" ]"
exit 0
