#!/usr/bin/env bash
# events.sh -- an exchange visit on the embedded default (Maildir in and
# out, no root): 10 officials of 6 towns invited to a visit with 6 seats,
# at most 2 per town; the invitations carry the calendar part; answers
# come back as calendar REPLYs (the layout Outlook sends: multipart/
# alternative with a base64 text/calendar; written by us from the forms
# in tests/data/ical/, marked there), a written Bulgarian answer and a
# one-click mailto answer; Kavarna (three spellings, one town) overflows;
# a decline promotes the next in line; a change of time sends one update
# to everyone; a REPLY to the old time asks again; an uninvited attendee
# gets a cancellation; the roster is checked exactly.
. "$(dirname "$0")/lib.sh"
make_tmp
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
echo "1..17"
maildir_conf "$T" </dev/null
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
DB=$T/a.db
cat >"$T/c.csv" <<'CSV'
email,name,municipality,language
k1@example.org,K One,Kavarna,bg
k2@example.org,K Two,Каварна,bg
k3@example.org,K Three,Община Каварна,bg
b1@example.org,B One,Balchik,bg
b2@example.org,B Two,Balchik,bg
d1@example.org,D One,Dobrich,bg
d2@example.org,D Two,Dobrich,bg
s1@example.org,S One,Shabla,bg
s2@example.org,S Two,Shabla,bg
g1@example.org,G One,Gent,nl
CSV
printf '[campaign]\nname = visit\nkind = invitation\ntemplate = survey\nreference = EV26\n' >"$T/visit.campaign"
sed -e 's/^campaign = .*/campaign = visit/' -e 's/^total = .*/total = 6/' \
	"$ANKETA_SRCDIR/tests/data/events/ghent-visit.event" >"$T/visit.event"
A contacts import "$T/c.csv" >/dev/null 2>&1
A campaign add "$T/visit.campaign" >/dev/null
A event add "$T/visit.event" >/dev/null
A send visit >"$T/send.log" 2>&1
ok "10 invitations, each with a text/calendar REQUEST" eq 10 \
	"$(grep -l 'text/calendar; charset=utf-8; method=REQUEST' "$T"/out/new/* | wc -l)"
mkdir -p "$T/inv" && mv "$T"/out/new/* "$T/inv/"
UID_=$(sqlite3 "$DB" "SELECT uid FROM events")

# reply_to WHO: the Reply-To of WHO's invitation (the delivery's token)
reply_to() {
	tr -d '\r' <"$(grep -l "^To:.*$1@" "$T"/inv/*)" |
		sed -n 's/^Reply-To: *<\{0,1\}\([^>]*\)>\{0,1\}$/\1/p' | head -1
}
n=0
# put FILE: the next message into the mailbox, in arrival order
put() { n=$((n + 1)); cp "$1" "$T/in/new/$(printf '%03d' $n).eml"; }
# imip WHO PARTSTAT SEQUENCE: a calendar REPLY in Outlook's layout
imip() {
	local ics
	ics=$(printf 'BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nPRODID:Microsoft Exchange Server 2010\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nATTENDEE;PARTSTAT=%s;CN=%s:mailto:%s@example.org\r\nSUMMARY:Accepted: Exchange visit\r\nDTSTART;VALUE=DATE:20261012\r\nUID:%s\r\nSEQUENCE:%s\r\nDTSTAMP:20261001T091240Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' \
		"$2" "$1" "$1" "$UID_" "$3" | base64 -w 76)
	cat >"$T/m.eml" <<MAIL
From: $1 <$1@example.org>
To: <$(reply_to "$1")>
Subject: $2: Exchange visit
Date: Thu, 01 Oct 2026 09:12:44 +0000
Message-ID: <$1-$2-$3-$n@example.org>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b"

--b
Content-Type: text/plain; charset="us-ascii"

--b
Content-Type: text/calendar; charset="utf-8"; method=REPLY
Content-Transfer-Encoding: base64

$ics
--b--
MAIL
	put "$T/m.eml"
}
# written WHO SUBJECT TEXT: a person's own reply
written() {
	cat >"$T/m.eml" <<MAIL
From: $1 <$1@example.org>
To: <$(reply_to "$1")>
Subject: $2
Date: Thu, 01 Oct 2026 10:00:00 +0000
Message-ID: <$1-written-$n@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

$3
MAIL
	put "$T/m.eml"
}
fetch() { A fetch >>"$T/fetch.log" 2>&1; }
roster() { A event roster --format csv ghent-visit | tail -n +2 | cut -d, -f1,5 | sort | tr '\n' ' '; }

imip k1 ACCEPTED 0
written k2 "Re: Покана" "Да, ще присъствам."
written k3 "RSVP ACCEPTED [ref:EV26]" "Yes, I will come."
imip b1 ACCEPTED 0
imip d1 ACCEPTED 0
imip s1 ACCEPTED 0
imip g1 ACCEPTED 0
imip b2 ACCEPTED 0
fetch
ok "every form recorded: 3 towns' REPLYs, a written and a mailto answer" sql_is \
	"imip|6 mailto|1 text|1" "$DB" "SELECT group_concat(x, ' ') FROM (SELECT source || '|' || count(*) AS x FROM event_rsvps GROUP BY source ORDER BY source)"
ok "Kavarna (three spellings) over its 2 seats, the total reached: 2 wait" eq \
	"b1@example.org,accepted b2@example.org,waiting d1@example.org,accepted d2@example.org,no-answer g1@example.org,accepted k1@example.org,accepted k2@example.org,accepted k3@example.org,waiting s1@example.org,accepted s2@example.org,no-answer " \
	"$(roster)"
ok "those waiting are told (one seat mail each)" sql_is 2 "$DB" \
	"SELECT count(*) FROM deliveries WHERE kind = 'seat' AND json_extract(vars, '\$.change') = 'waiting'"
imip k1 DECLINED 0
fetch
ok "a decline: the next in line of Kavarna (k3) gets the seat, b2 still waits" eq \
	"b1@example.org,accepted b2@example.org,waiting d1@example.org,accepted d2@example.org,no-answer g1@example.org,accepted k1@example.org,declined k2@example.org,accepted k3@example.org,accepted s1@example.org,accepted s2@example.org,no-answer " \
	"$(roster)"
ok "the one promoted is told" sql_is 1 "$DB" \
	"SELECT count(*) FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE d.kind = 'seat' AND c.email = 'k3@example.org' AND json_extract(d.vars, '\$.change') = 'seated'"
ok "the campaign report counts every RSVP as an answer" eq "2" \
	"$(A report --format csv visit | grep -c ',no,')"
ok "status shows the RSVPs of the campaign's event" out_rc 0 \
	"rsvp: 6 accepted, 0 tentative, 1 declined, 1 waiting" A status
sed -i 's/^start = .*/start = 2026-10-13/' "$T/visit.event"
ok "a new time: SEQUENCE 1, one update to each of the 10" out_rc 0 \
	"10 updates enqueued" A event update "$T/visit.event"
ok "the seats stay with those who accepted the earlier time" sql_is 6 "$DB" \
	"SELECT count(*) FROM event_seats WHERE state = 'seated'"
A send --all >>"$T/send.log" 2>&1
ok "the updates went out with the same UID and SEQUENCE:1" eq 10 \
	"$(grep -l "^SEQUENCE:1" "$T"/out/new/* | xargs grep -l "^UID:$UID_" | wc -l)"
# subjects SUBJECT-START: how many sent messages have a subject so
# starting (RFC 2047 decoded)
subjects() {
	python3 - "$T/out/new" "$1" <<'PY'
import email, email.header, os, sys
d, want = sys.argv[1], sys.argv[2]
n = 0
for f in os.listdir(d):
    with open(os.path.join(d, f), 'rb') as fp:
        m = email.message_from_binary_file(fp)
    s = str(email.header.make_header(email.header.decode_header(m['Subject'])))
    n += s.startswith(want)
print(n)
PY
}
ok "each says why in the contact's language: 9 'Промяна:', 1 'Gewijzigd:'" eq \
	"9 1" "$(subjects 'Промяна:') $(subjects 'Gewijzigd:')"
# seated: k1 k2 b1 d1 s1 at once, k3 when promoted (g1 in Dutch)
ok "seats and the waiting list are told in Bulgarian" eq "2 6" \
	"$(subjects 'Списък на чакащите:') $(subjects 'Мястото Ви е потвърдено:')"
imip d2 ACCEPTED 0
fetch
ok "a REPLY to the old time is no answer: d2 is asked to confirm again" sql_is \
	"0|1" "$DB" "SELECT (SELECT count(*) FROM event_rsvps v JOIN contacts c ON c.id = v.contact_id WHERE c.email = 'd2@example.org'), (SELECT count(*) FROM deliveries WHERE json_extract(vars, '\$.change') = 'confirm-again')"
ok "an uninvited attendee gets a cancellation" out_rc 0 "removed" \
	A event uninvite ghent-visit s2@example.org
A send --all >>"$T/send.log" 2>&1
ok "the cancellation carries METHOD:CANCEL to s2 only" eq 1 \
	"$(grep -l 'method=CANCEL' "$T"/out/new/* | xargs grep -l '^To:.*s2@example.org' | wc -l)"
helps() { for c in check add update list show roster cancel uninvite fix; do
	A event $c --help | grep -q "^usage: anketa .*event $c" || { echo "no help for event $c"; return 1; }; done; }
ok "every event command has --help" helps
exit $((tap_failed > 0))
