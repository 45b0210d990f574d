#!/usr/bin/env bash
# reminder.sh -- who gets mail after the first wave: a reminder goes only
# to those the invitation reached and who have not answered; a respondent
# who asks to stop (a client's List-Unsubscribe mail, or a reply saying
# "unsubscribe") gets nothing more, and staff see the request.
. "$(dirname "$0")/lib.sh"
make_tmp
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
echo "1..6"
maildir_conf "$T" <<CONF
[feedback]
enabled = no
CONF
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
printf 'email,name,municipality,country,language,groups,role\na@example.org,Anna,Gent,BE,en,o,official\nb@example.org,Boris,Kavarna,BG,bg,o,official\nc@example.org,Cyrus,Ostrava,CZ,cs,o,official\n' >"$T/c.csv"
survey_campaign "$T/o1.campaign" o1 2099-12-20 o
A contacts import "$T/c.csv" >/dev/null && A campaign add "$T/o1.campaign" >/dev/null && A send o1 >/dev/null 2>&1

# Anna's client follows List-Unsubscribe: a mail to the address in it,
# with the subject it names and nothing else.
lu=$(grep -h '^List-Unsubscribe:' $(grep -l '^Delivered-To: a@example.org' "$T"/out/new/*) | sed 's/.*<mailto:\([^?>]*\)?subject=\([^>]*\)>.*/\1 \2/')
set -- $lu
ok "the invitation carries a List-Unsubscribe mailto" test -n "${1:-}"
printf 'From: a@example.org\nTo: %s\nSubject: %s\nMessage-ID: <u1@client.example.net>\nDate: Tue, 24 Nov 2026 10:00:00 +0000\n\n' "${1:-x}" "${2:-unsubscribe}" >"$T/in/new/u1.eml"
# Boris answers the questionnaire.
m=$(grep -l '^Delivered-To: b@example.org' "$T"/out/new/*)
printf '1\t5\n4\tThe school visits.\n5\tA homework club.\n10\tyes\n' >"$T/ans"
perl "$ANKETA_SRCDIR/tests/integration/reply.pl" top "$m" "$T/ans" >"$T/in/new/b1.eml"
fetch() { A fetch | grep -q "fetched 2: 1 answers, .* 1 opt-outs"; }
ok "fetch records Boris's answers and Anna's opt-out" fetch
ok "the contact is marked opted-out" eq "opted-out" "$(sqlite3 "$T/a.db" "select status from contacts where email='a@example.org'")"
remind() { A send --kind reminder o1 2>&1; }
ok "the reminder goes to one contact" bash -c "$(declare -f A remind); T=$T ANKETA_BIN=$ANKETA_BIN; remind | grep -q '1 planned, 1 handed over, 1 sent'"
ok "to Cyrus, who has not answered" eq 2 "$(grep -l '^Delivered-To: c@example.org' "$T"/out/new/* | wc -l)"
ok "Anna (opted out) and Boris (answered) got no reminder" eq "1 1" "$(grep -l '^Delivered-To: a@example.org' "$T"/out/new/* | wc -l) $(grep -l '^Delivered-To: b@example.org' "$T"/out/new/* | wc -l)"
exit 0
