#!/usr/bin/env bash
# trust.sh -- who may answer for a contact (anketa(1), TRUST), end to end
# on the Maildir transport and source (no root). A survey goes to a, b, c
# and d; then, with no token and no thread of ours: a forged From: a
# records no answers and earns no confirmation, a forged unsubscribe
# leaves a as she was, a fake delivery report naming a in Final-Recipient
# does not make her undeliverable; the delivery reports that return our
# VERP address (b) or our Message-ID (c) do. Our MTA's
# Authentication-Results (authserv-id mx.example.org) with DMARC pass
# above its Received lets a's answers be recorded "domain-verified", with
# a confirmation, but not her unsubscribe; the same field below a
# Received, a second one claiming our id lower down, or one of a foreign
# authserv-id sends d's reply to review.
. "$(dirname "$0")/lib.sh"
make_tmp
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
S=$ANKETA_SRCDIR
[ -x "$ANKETA_BIN" ] || skip_all "$ANKETA_BIN not built"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
echo "1..15"
mkdir -p "$T/inv"
maildir_conf "$T" <<CONF
[sender]
return_path = bounces+{token}@example.org
message_id_domain = anketa.example.org
[imap]
authserv_id = mx.example.org
[feedback]
enabled = yes
CONF
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
q() { sqlite3 "$T/a.db" "$1"; }
printf 'email,name,municipality,country,language,groups,role\n' >"$T/c.csv"
for x in a b c d; do
	printf '%s@example.org,%s,Gent,BE,en,t,official\n' "$x" "$x" >>"$T/c.csv"
done
survey_campaign "$T/t1.campaign" t1 2099-12-20 t
A contacts import "$T/c.csv" >/dev/null && A campaign add "$T/t1.campaign" >/dev/null
A send t1 >"$T/send.log" 2>&1
ok "the survey reaches four contacts" eq 4 "$(ls "$T/out/new" | wc -l)"
mv "$T"/out/new/* "$T/inv/"	# out/new then holds feedback only
inv() { grep -l "^To:.*<$1@example.org>" "$T"/inv/* | head -1; }

# forged NAME WHO [TOP] [SED]: a reply from WHO@example.org that kept no
# token and no thread of ours (as anyone can write it), with the lines
# TOP (printf %b: what the receiving MTA added) above it and its header
# edited by SED
printf '1\t5\n4\tThe school visits.\n5\tA homework club.\n10\tyes\n' >"$T/ans"
strip='s/^To: .*/To: organiser@example.org/;/^Subject:/s/ *\[ref:[^]]*\]//;/^In-Reply-To:/d;/^References:/d'
forged() {
	{ [ -z "${3:-}" ] || printf '%b\n' "$3"
	  perl "$S/tests/integration/reply.pl" top "$(inv "$2")" "$T/ans" \
		"$2@example.org"; } >"$T/$1.eml" || return 1
	sed -i "1,/^\$/{$strip${4:+;$4}}" "$T/$1.eml"
	cp "$T/$1.eml" "$T/in/tmp/$1" && mv "$T/in/tmp/$1" "$T/in/new/$1"
}
# dsn NAME TO RCPT MSGID: a delivery report to TO for RCPT, returning the
# headers of a message whose Message-ID is MSGID
dsn() {
	printf 'From: MAILER-DAEMON@mx.elsewhere.example (Mail Delivery System)\nTo: %s\nSubject: Undelivered Mail Returned to Sender\nDate: Tue, 24 Nov 2026 10:15:00 +0200\nMessage-ID: <%s@mx.elsewhere.example>\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B1"\n\n--B1\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n--B1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.elsewhere.example\n\nFinal-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <%s>: User unknown\n\n--B1\nContent-Type: text/rfc822-headers\n\nFrom: organiser@example.org\nTo: %s\nSubject: Survey\nMessage-ID: %s\n\n--B1--\n' \
		"$2" "$1" "$3" "$3" "$3" "$4" >"$T/in/tmp/$1" &&
		mv "$T/in/tmp/$1" "$T/in/new/$1"
}
rcvd='Received: from mail.example.org (mail.example.org [192.0.2.7])\n\tby mx.example.org (Postfix) with ESMTPS id 4Xyz\n\tfor <organiser@example.org>; Tue, 24 Nov 2026 10:15:01 +0200'
ar='Authentication-Results: mx.example.org; dmarc=pass (p=none dis=none) header.from=example.org'
unsub='/^Subject:/s/.*/Subject: unsubscribe/'

# -- round 1: nothing in these proves a delivery of ours, but b's and c's
#    delivery reports
forged f-from a
forged f-unsub a "" "$unsub"
dsn f-dsn organiser@example.org a@example.org '<x1@mx.elsewhere.example>'
btok=$(q "SELECT d.token FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE c.email = 'b@example.org'")
cmid=$(q "SELECT d.message_id FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE c.email = 'c@example.org'")
dsn r-verp "bounces+$btok@example.org" b@example.org '<x2@mx.elsewhere.example>'
dsn r-msgid organiser@example.org c@example.org "$cmid"
forged f-below d "$rcvd\n$ar"
forged f-lower d "$ar\n$rcvd\n$ar"
forged f-foreign d "${ar/mx.example.org;/mail.example.org;}\n$rcvd"
A fetch >"$T/fetch.log" 2>&1
A send --all >>"$T/fetch.log" 2>&1

# row NAME -> "kind: reason" of the inbound row of in/new/NAME
row() { q "SELECT kind || ': ' || reason FROM inbound WHERE src_key LIKE '%/$1'"; }
# is NAME KIND TEXT: for ok; that row has that kind and TEXT in its reason
is() {
	local r
	r=$(row "$1")
	echo "$r"
	case $r in "$2: "*"$3"*) return 0;; esac
	return 1
}
status() { q "SELECT status FROM contacts WHERE email = '$1@example.org'"; }
responses() { q "SELECT count(*) FROM responses r JOIN contacts c ON c.id = r.contact_id WHERE c.email = '$1@example.org'"; }
feedback() { q "SELECT count(*) FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE c.email = '$1@example.org' AND d.kind IN ('confirm', 'problem')"; }

ok "forged From: a, no token or thread: for a person, with the reason" \
	is f-from unmatched "From: a contact, but no token, thread or verified domain: not trusted"
nothing_for_a() {
	echo "responses $(responses a), feedback $(feedback a), out $(ls "$T/out/new" | wc -l)"
	[ "$(responses a)" = 0 ] && [ "$(feedback a)" = 0 ] &&
		[ "$(ls "$T/out/new" | wc -l)" = 0 ]
}
ok "... no answers recorded for a, no confirmation enqueued or sent" nothing_for_a
unsub_a() {
	is f-unsub unmatched "an opt-out with From: a contact, but no token or thread: not trusted" &&
		eq ok "$(status a)"
}
ok "forged unsubscribe: for a person, a stays ok" unsub_a
dsn_a() {
	is f-dsn unmatched "a delivery report naming a contact, but no token or Message-ID of a delivery of ours: not trusted" &&
		eq ok "$(status a)"
}
ok "a fake delivery report naming a: for a person, a stays ok" dsn_a
ok "a delivery report to b's VERP address: b undeliverable" \
	eq "bounce undeliverable" "$(q "SELECT kind FROM inbound WHERE src_key LIKE '%/r-verp'") $(status b)"
ok "a delivery report returning our Message-ID to c: c undeliverable" \
	eq "bounce undeliverable" "$(q "SELECT kind FROM inbound WHERE src_key LIKE '%/r-msgid'") $(status c)"
ok "DMARC pass claiming our authserv-id below a Received: review" \
	is f-below unmatched "Authentication-Results claiming mx.example.org below a Received field"
ok "ours on top and a second one claiming our id lower down: review" \
	is f-lower unmatched "Authentication-Results claiming mx.example.org below a Received field"
ok "DMARC pass from a foreign authserv-id: ignored, review" \
	is f-foreign unmatched "From: a contact, but no token, thread or verified domain: not trusted"
ok "... and none of d's three replies was recorded as answers" eq 0 "$(responses d)"

# -- round 2: our MTA verified a's domain
forged v-from a "$ar\n$rcvd"
forged v-unsub a "$ar\n$rcvd" "$unsub"
A fetch >>"$T/fetch.log" 2>&1
A send --all >>"$T/fetch.log" 2>&1
ok "DMARC pass from our MTA on top: a's answers recorded, domain-verified" \
	is v-from answers "domain-verified (dmarc=pass header.from=example.org by mx.example.org)"
ok "... one response for a, one confirmation sent to her" \
	eq "1 1 1" "$(responses a) $(feedback a) $(grep -l '^To:.*<a@example.org>' "$T"/out/new/* | wc -l)"
ok "... but an unsubscribe on a verified domain is not honoured" \
	is v-unsub unmatched "a domain is not a mailbox"
ok "... a stays ok" eq ok "$(status a)"
sed 's/^/# /' "$T/fetch.log" | tail -16
exit $((tap_failed > 0))
