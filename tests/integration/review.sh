#!/usr/bin/env bash
# review.sh -- `anketa review` and `contacts set-status` (Maildir in and
# out, no root). A stranger's reply and a reply by a known sender that
# carries no key of ours wait for a person; list shows them, show prints
# the message as received and decoded with nothing a terminal acts on,
# assign makes the stranger's reply Anna's answers, reprocess runs the
# receive path again, dismiss and resolve keep their note, and a later
# answer from the same contact or sender takes its earlier item off the
# list.
. "$(dirname "$0")/lib.sh"
make_tmp
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
S=$ANKETA_SRCDIR
[ -x "$ANKETA_BIN" ] || skip_all "$ANKETA_BIN not built"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
command -v perl >/dev/null || skip_all "perl not installed"
echo "1..15"
maildir_conf "$T" <<CONF
[feedback]
enabled = no
CONF
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
Q() { sqlite3 "$T/a.db" "$1"; }
printf 'email,name,municipality,country,language,groups,role\na@example.org,Anna,Gent,BE,en,m,official\nb@example.org,Bob,Brno,CZ,en,m,official\n' >"$T/c.csv"
survey_campaign "$T/fs26.campaign" fs26 2099-12-20 m
A contacts import "$T/c.csv" >/dev/null &&
	A campaign add "$T/fs26.campaign" >/dev/null &&
	A send fs26 >"$T/send.log" 2>&1
fa=$(grep -l '^To: .*a@example.org' "$T"/out/new/* | head -1)
fb=$(grep -l '^To: .*b@example.org' "$T"/out/new/* | head -1)
printf '1\t5\n4\tThe school visits.\n5\tA homework club.\n10\tyes\n' >"$T/ans"
# reply ORIGINAL NAME [SED]: a reply to ORIGINAL, its header edited by SED
reply() {
	perl "$S/tests/integration/reply.pl" top "$1" "$T/ans" >"$T/$2.eml" ||
		return 1
	[ -z "${3:-}" ] || sed -i "1,/^\$/{$3}" "$T/$2.eml"
	cp "$T/$2.eml" "$T/in/tmp/$2" && mv "$T/in/tmp/$2" "$T/in/new/$2"
}
nokeys='s/^To: .*/To: organiser@example.org/;/^Subject:/s/ *\[ref:[^]]*\]//;/^In-Reply-To:/d;/^References:/d'
esc=$(printf '\033')
reply "$fa" stranger "$nokeys;s/^From: .*/From: x@elsewhere.example/;s/^Subject: .*/Subject: Re: visit ${esc}[2J/"
reply "$fa" spam "$nokeys;s/^From: .*/From: z@elsewhere.example/"
reply "$fb" bobbare "$nokeys"
reply "$fa" annabare "$nokeys"
A fetch >"$T/fetch.log" 2>&1
id_of() { Q "SELECT id FROM inbound WHERE src_key LIKE '%/$1'"; }
st=$(id_of stranger); sp=$(id_of spam); bb=$(id_of bobbare); ab=$(id_of annabare)
A review list >"$T/list1" 2>&1
listed() { awk '{print $1}' "$T/$1" | grep -qx "$2"; }
four() {
	cat "$T/list1"
	for i in "$st" "$sp" "$bb" "$ab"; do listed list1 "$i" || return 1; done
	grep -q "x@elsewhere.example" "$T/list1" && grep -q "unmatched" "$T/list1"
}
ok "list shows the four messages waiting for a person, with sender and why" four
A review show "$st" >"$T/show" 2>&1
shown() {
	grep -q "^why " "$T/show" && grep -q -- "--- as received ---" "$T/show" &&
		grep -q -- "--- decoded text ---" "$T/show" &&
		grep -q "homework club" "$T/show" || { cat "$T/show"; return 1; }
	! grep -q "$esc" "$T/show"
}
ok "show prints why, the message as received and decoded, no escape byte" shown
ok "show of an unknown item fails" out_rc 65 "no such item" A review show 999999
ok "assign makes the stranger's reply Anna's answers" out_rc 0 "(answers)" \
	A review assign --contact a@example.org --campaign fs26 --note "her colleague" "$st"
anna_answered() {
	eq 1 "$(Q "SELECT count(*) FROM responses r JOIN contacts c ON c.id = r.contact_id JOIN campaigns k ON k.id = r.campaign_id WHERE c.email = 'a@example.org' AND k.name = 'fs26' AND r.current = 1")"
}
ok "Anna now has a current response in fs26" anna_answered
ok "assigning a closed item again is refused" out_rc 65 "closed already" \
	A review assign --contact a@example.org --campaign fs26 "$st"
ok "dismiss records its note" out_rc 0 "dismissed" A review dismiss --note "spam" "$sp"
ok "the report's needs-a-person list leaves a dismissed item out" \
	bash -c "A() { \"$ANKETA_BIN\" -c \"$T/a.conf\" \"\$@\"; }; out=\$(A report fs26) || exit 1; ! grep -q z@elsewhere.example <<<\"\$out\" && grep -Eq \"replies not matched to a contact +1\$\" <<<\"\$out\""
ok "the note is kept" sql_is "dismissed|spam" "$T/a.db" "SELECT action, note FROM review_actions WHERE inbound_id = $sp"
A review reprocess "$bb" >"$T/rep" 2>&1
new=$(sed -n 's/.*now inbound \([0-9]*\).*/\1/p' "$T/rep")
reproc() {
	cat "$T/rep"
	[ -n "$new" ] && [ "$new" -gt "$bb" ] &&
		sql_is "reprocessed|$new" "$T/a.db" "SELECT action, new_inbound_id FROM review_actions WHERE inbound_id = $bb"
}
ok "reprocess runs ingest again on the stored message: a new row" reproc
A review list >"$T/list2" 2>&1
after() {
	cat "$T/list2"
	! listed list2 "$st" && ! listed list2 "$sp" && ! listed list2 "$bb" &&
		listed list2 "$new" && ! listed list2 "$ab"
}
ok "closed items leave the list, and Anna's bare reply too (her assigned answers are later); the reprocessed message's new row is on it" after
# Bob replies properly now: his earlier bare reply is superseded
reply "$fb" proper
A fetch >>"$T/fetch.log" 2>&1
A review list >"$T/list3" 2>&1
ok "a later answer from the same sender supersedes the earlier item" \
	bash -c "cat '$T/list3'; ! awk '{print \$1}' '$T/list3' | grep -qx '$new'"
ok "resolve with a note" out_rc 0 "resolved" A review resolve --note "asked Anna" "$ab"
# contacts set-status
Q "UPDATE contacts SET status = 'undeliverable' WHERE email = 'b@example.org'"
ok "set-status resets a contact" out_rc 0 "b@example.org: ok" \
	A contacts set-status b@example.org ok --reason "mailbox no longer full"
ok "the reset is recorded with its reason" sql_is "ok|ok|mailbox no longer full" "$T/a.db" \
	"SELECT c.status, e.status, e.reason FROM contacts c JOIN contact_events e ON e.contact_id = c.id WHERE c.email = 'b@example.org' ORDER BY e.id DESC LIMIT 1"
[ "$tap_failed" = 0 ]
