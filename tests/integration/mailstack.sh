#!/usr/bin/env bash
# mailstack.sh -- the whole mail loop against real servers on 127.0.0.1:
# contacts -> campaign -> send through Postfix into the respondents'
# Dovecot mailboxes -> replies written as real clients write them (top-
# posted, typed inline into the quoted form, HTML-only, windows-1251,
# Outlook, an out-of-office) -> anketa fetch over IMAP with STARTTLS ->
# the report's numbers checked exactly.
. "$(dirname "$0")/lib.sh"
need_root_stack
make_tmp
S=$T/stack
export IMAP_PORT=11143 IMAPS_PORT=11993 SMTP_PORT=11025
export MAIL_USERS="organiser respondent1 respondent2 respondent3 respondent4 respondent5"
stack="$ANKETA_SRCDIR/tests/mailstack/mailstack"
cleanup() { "$stack" stop "$S" >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT
"$stack" start "$S" >"$T/stack.log" 2>&1 || { echo "1..0 # SKIP mail stack did not start: $(tail -1 "$T/stack.log")"; exit 0; }
echo "1..17"

printf 'secret\n' >"$T/pw"; chmod 600 "$T/pw"
write_conf "$T/anketa.conf" "$T/anketa.db" "smtp://127.0.0.1:$SMTP_PORT" <<CONF
require_tls = yes
ca_file = $S/ssl/cert.pem
username = organiser@example.org
password_file = $T/pw
[imap]
url = imap://127.0.0.1:$IMAP_PORT
username = organiser@example.org
password_file = $T/pw
require_tls = yes
ca_file = $S/ssl/cert.pem
folder_processed = Processed
folder_autoreplies = Auto-replies
folder_bounces = Bounces
folder_review = Review
[sender]
name = Programme team
[feedback]
enabled = no
CONF
A() { "$ANKETA_BIN" -c "$T/anketa.conf" "$@"; }

cat >"$T/contacts.csv" <<'CSV'
email,name,municipality,country,language,groups,role
respondent1@example.org,Ivan Petrov,Kavarna,BG,en,it;partners,official
respondent2@example.org,"Novák, Jan",Ostrava,CZ,en,it,official
respondent3@example.org,Els Peeters,Gent,BE,nl,it,mediator
respondent4@example.org,Мария Иванова,Каварна,BG,bg,it,mediator
respondent5@example.org,Petra Dvořáková,Ostrava,CZ,cs,it,official
nobody@example.org,Nikoy,Shabla,BG,bg,it,official
CSV
cat >"$T/it.campaign" <<CAMP
[campaign]
name = it-field-study
kind = survey
questionnaire = $ANKETA_SRCDIR/surveys/field-study.xml
template = survey
reference = FS26
deadline = 2099-12-15
[audience]
group = it
CAMP

ok "contacts import" A contacts import "$T/contacts.csv"
ok "campaign add" A campaign add "$T/it.campaign"

# nobody@ is refused by Postfix at RCPT: that delivery fails with the
# server's reply, the other five go out; exit 75 says some failed.
send1() { A send it-field-study; eq 75 $?; }
ok "send: 5 sent, 1 failed (exit 75)" send1
ok "send: summary line" grep -q "it-field-study: 6 planned, 6 handed over, 5 sent, 1 failed" "$T/out.3"
failed_reply() {
	sqlite3 "$T/anketa.db" "select last_reply from deliveries d join contacts c on c.id=d.contact_id where c.email='nobody@example.org'" | grep -q '^550 5.1.1'
}
ok "the failed delivery keeps the server's 550 reply" failed_reply
for i in 1 2 3 4 5; do wait_files "$S/mail/example.org/respondent$i/Maildir/new" 1 >/dev/null; done
ok "the five respondents received the questionnaire" bash -c "for i in 1 2 3 4 5; do ls $S/mail/example.org/respondent\$i/Maildir/new/* >/dev/null || exit 1; done"
resend() { A send it-field-study | grep -q "0 sent, 0 failed"; }
ok "send again: nothing is sent twice" resend

# The replies, one client each.
msg() { ls "$S/mail/example.org/respondent$1/Maildir/new/"* | head -1; }
printf '1\tKavarna\n2\tyes\n3\ta, b\n5\t120000\n6\tc\n7\t4\n8\tyes\n9\t4\n10\t3\n11\ta, c\n12\tSchool mediators in every school.\\nParents club.\n13\ta\n' >"$T/a1"
printf '1\tOstrava\n2\tyes\n3\teducation, housing\n5\t80000\n6\tEU funds\n7\t6\n8\tno\n9\t3\n10\t4\n11\tb\n13\tb\n' >"$T/a2"
printf '1\tGent\n2\tja\n3\t1, 3, 4\n5\t250000\n6\ta\n7\t12\n8\tja\n9\t5\n10\t5\n11\td\n13\ta\n' >"$T/a3"
printf '1\tОбщина Каварна\n2\tда\n3\tОбразование, Заетост\n5\t50000\n6\tb\n7\t2\n8\tне\n9\t2\n10\t3\n11\ta, c\n12\tОбучение на здравни медиатори\n13\tb\n' >"$T/a4"
: >"$T/a5"
styles=(x top inline html cp1251 ooo)
sendreply() {
	local i=$1 to
	perl "$ANKETA_SRCDIR/tests/integration/reply.pl" "${styles[$i]}" "$(msg "$i")" "$T/a$i" "respondent$i@example.org" >"$T/reply$i.eml" || return 1
	to=$(sed -n 's/^To: //p' "$T/reply$i.eml" | head -1)
	case "$to" in organiser+*@example.org) ;; *) echo "reply-to is '$to'"; return 1;; esac
	swaks -4 --server 127.0.0.1:$SMTP_PORT --from "respondent$i@example.org" --to "$to" --data "@$T/reply$i.eml" >/dev/null
}
ok "five replies submitted through Postfix" bash -c "$(declare -f sendreply msg); styles=(${styles[*]}); T=$T S=$S ANKETA_SRCDIR=$ANKETA_SRCDIR SMTP_PORT=$SMTP_PORT; for i in 1 2 3 4 5; do sendreply \$i || exit 1; done"
ok "the replies reached the organiser's INBOX" wait_files "$S/mail/example.org/organiser/Maildir/new" 5

fetch1() { A fetch | tee /dev/stderr | grep -q "fetched 5: 4 answers, 0 rsvp, 0 bounces, 1 auto-replies"; }
ok "fetch over IMAP+STARTTLS: 4 answers, 1 auto-reply" fetch1
fetch2() { A fetch | grep -q "fetched 0:"; }
ok "fetch again: nothing new, nothing counted twice" fetch2
count_in() {	# messages in a Maildir++ folder ("" = INBOX)
	find "$S/mail/example.org/organiser/Maildir/$1" -maxdepth 2 -path '*/cur/*' -o -maxdepth 2 -path '*/new/*' | wc -l
}
moved() { eq "4 1 0" "$(count_in .Processed) $(count_in .Auto-replies) $(count_in "")"; }
ok "answers moved to Processed, the auto-reply to Auto-replies, INBOX empty" moved

A report --format json it-field-study >"$T/report.json" 2>"$T/report.err"
A report it-field-study >"$T/report.txt" 2>&1
jqeq() { eq "$1" "$(jq -c "$2" "$T/report.json")"; }
ok "report: 6 contacts, 5 delivered, 4 responded (80%)" jqeq '[6,5,4,80]' '[.responses.contacts,.responses.delivered,.responses.responded,.responses.rate]'
ok "report: areas education 4, employment 2, health 1, housing 2" \
	jqeq '[4,2,1,2]' '.questions[]|select(.id=="areas")|[.options[]|select(.id=="education" or .id=="employment" or .id=="health" or .id=="housing")|.count]'
ok "report: results mean 3.75 median 3.5; budget mean 125000 median 100000" \
	jqeq '[3.75,3.5,125000,100000]' '[(.questions[]|select(.id=="results")|.mean,.median),(.questions[]|select(.id=="budget")|.mean,.median)]'
ok "report: funding municipal 1, national 1, eu 2; mediators yes 2, no 2" \
	jqeq '[1,1,2,2,2]' '[(.questions[]|select(.id=="funding")|.options[]|select(.id=="municipal" or .id=="national" or .id=="eu")|.count),(.questions[]|select(.id=="mediators")|.options[]|.count)]'
ok "report: the Cyrillic free text from the windows-1251 reply" grep -q 'Обучение на здравни медиатори' "$T/report.txt"

echo "# report:"; sed 's/^/# /' "$T/report.txt" | head -80
exit $((tap_failed > 0))
