#!/usr/bin/env bash
# feedback.sh -- feedback to respondents on the embedded default (Maildir in
# and out, no root): a good reply gets one confirmation in the contact's
# language, threaded and marked Auto-Submitted; an unreadable one gets one
# problem note naming the question and why; auto-replies and bounces get
# nothing; [feedback] max_per_day holds; fetching again sends nothing twice.
. "$(dirname "$0")/lib.sh"
make_tmp
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
echo "1..13"
S=$ANKETA_SRCDIR
mkdir -p "$T/inv"
maildir_conf "$T" <<CONF
[sender]
name = Exchange team
[feedback]
enabled = yes
max_per_day = 2
CONF
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
printf 'email,name,municipality,country,language,groups,role\na@example.org,Anna,Gent,BE,en,d,official\nb@example.org,Борис,Каварна,BG,bg,d,official\n' >"$T/c.csv"
survey_campaign "$T/d1.campaign" d1 2099-12-20 d
A contacts import "$T/c.csv" >/dev/null && A campaign add "$T/d1.campaign" >/dev/null
A send d1 >"$T/send.log" 2>&1
ok "the campaign sends 2 invitations" eq 2 "$(ls "$T/out/new" | wc -l)"
# keep the invitations apart: out/new then holds feedback only
mv "$T"/out/new/* "$T/inv/"
inv_a=$(grep -l '^To:.*a@example.org' "$T"/inv/*)
inv_b=$(grep -l '^To:.*b@example.org' "$T"/inv/*)

# decoded headers and text parts of one message, for grep
cat >"$T/dec.pl" <<'PERL'
use strict; use warnings;
use MIME::Base64; use MIME::QuotedPrint; use Encode;
local $/; my $raw = <STDIN>; $raw =~ s/\r\n/\n/g;
my ($h) = split /\n\n/, $raw, 2; $h =~ s/\n[ \t]+/ /g;
binmode STDOUT;
print encode('UTF-8', decode('MIME-Header', $h)), "\n\n";
while ($raw =~ /^Content-Transfer-Encoding:\s*(\S+)\n(?:[^\n]+\n)*\n(.*?)(?=\n--|\z)/msg) {
	my ($cte, $d) = (lc $1, $2);
	$d = decode_base64($d) if $cte eq 'base64';
	$d = decode_qp($d) if $cte eq 'quoted-printable';
	print $d, "\n";
}
PERL
dec() { perl "$T/dec.pl" <"$1"; }
n_out() { ls "$T/out/new" | wc -l; }
# deliver ORIGINAL STYLE ANSWERS NAME: a reply written by reply.pl
deliver() {
	printf "$3" >"$T/ans.$4"
	perl "$S/tests/integration/reply.pl" "$2" "$1" "$T/ans.$4" >"$T/in/tmp/$4" &&
		cp "$T/in/tmp/$4" "$T/$4.eml" && mv "$T/in/tmp/$4" "$T/in/new/$4"
}
# fetch records replies and enqueues their feedback; the send of the
# outbox delivers it (nothing on the receive path talks to SMTP)
fetch() { A fetch >>"$T/fetch.log" 2>&1; A send --all >>"$T/fetch.log" 2>&1; }

# 1. a good reply from Boris (language bg)
deliver "$inv_b" top '1\t5\n4\tThe school visits.\n5\tA homework club.\n10\tyes\n' good1
fetch
ok "a good reply gets exactly one feedback mail" eq 1 "$(n_out)"
fb1=$(ls "$T"/out/new/* | head -1)
dec "$fb1" >"$T/fb1.txt"
rid=$(sed -n 's/^Message-ID: *//p' "$T/good1.eml" | head -1)
threaded() {
	grep -q '^To:.*<b@example.org>' "$T/fb1.txt" &&
	grep -q '^Auto-Submitted: auto-replied' "$T/fb1.txt" &&
	grep -qF "In-Reply-To: $rid" "$T/fb1.txt" &&
	grep -qF "References: $rid" "$T/fb1.txt" &&
	! grep -qi '^Cc:' "$T/fb1.txt"
}
ok "to the contact only, Auto-Submitted: auto-replied, In-Reply-To the reply" threaded
confirm_bg() {
	grep -q '^Subject: Отговорите Ви са записани' "$T/fb1.txt" &&
	grep -q 'Q1\. Как оценявате посещението като цяло?' "$T/fb1.txt" &&
	grep -q 'The school visits\.' "$T/fb1.txt" &&
	grep -q 'A homework club\.' "$T/fb1.txt"
}
ok "the confirmation is in Bulgarian and lists the recorded answers" confirm_bg

# 2. the same reply once more (another file, same Message-ID) and a
#    second fetch of what was fetched: no feedback twice
cp "$T/good1.eml" "$T/in/new/good1-again"
fetch; fetch
ok "fetch twice and a duplicate reply: no second feedback" eq 1 "$(n_out)"

# 3. an unreadable reply: Q1 is a scale of 1 to 5
deliver "$inv_b" top '1\tlots\n4\tThe school visits.\n5\tA homework club.\n10\tyes\n' bad1
fetch
ok "an unreadable reply gets exactly one problem note" eq 2 "$(n_out)"
fb2=$(ls -t "$T"/out/new/* | grep -vF "$fb1" | head -1)
dec "$fb2" >"$T/fb2.txt"
problem_bg() {
	grep -q '^Subject: Не успяхме да прочетем' "$T/fb2.txt" &&
	grep -q 'Q1\. Как оценявате посещението като цяло?' "$T/fb2.txt" &&
	grep -q "'lots'" "$T/fb2.txt" &&
	grep -q '^Auto-Submitted: auto-replied' "$T/fb2.txt"
}
ok "the problem note names the question and why" problem_bg
# one unreadable answer discards none of the others: they are recorded
# and the note lists them, asking only about Q1
partial_kept() {
	grep -q 'A homework club\.' "$T/fb2.txt" &&
	[ "$(sqlite3 "$T/a.db" "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.current = 1 AND a.value = 'A homework club.'")" -ge 1 ]
}
ok "the readable answers of that reply are recorded and listed in the note" partial_kept

# 4. machines never get feedback
deliver "$inv_a" ooo '' ooo1
deliver "$inv_a" dsn '' dsn1
fetch
ok "an out-of-office reply and a bounce get no mail" eq 2 "$(n_out)"

# 5. a third reply the same day: recorded, but max_per_day = 2 holds
deliver "$inv_b" top '1\t4\n4\tThe school visits.\n5\tA homework club.\n10\tno\n' good2
fetch
ok "a third reply the same day gets no third feedback" eq 2 "$(n_out)"
ok "the third reply was still recorded" \
	eq 1 "$(A report --format json d1 | jq .responses.responded)"
# 6. a corrected reply to the problem note quotes it: nothing in the
#    quoted note (its example answer line) may be read as an answer
deliver "$fb2" top '1\t3\n4\tThe school visits.\n5\tA homework club.\n10\tyes\n' fix1
fetch
ok "a reply quoting the problem note records only what was typed" \
	sql_is "apply=A homework club. most-useful=The school visits. overall=3 recommend=yes" \
	"$T/a.db" "SELECT group_concat(a.question || '=' || a.value, ' ') FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.current = 1"
rows() {
	sqlite3 "$T/a.db" "SELECT kind || ':' || state FROM deliveries WHERE kind IN ('confirm', 'problem') ORDER BY id" | tr '\n' ' '
}
ok "the store holds one sent confirmation and one sent problem note" \
	eq "confirm:sent problem:sent " "$(rows)"
sed 's/^/# /' "$T/fetch.log" | tail -12
exit 0
