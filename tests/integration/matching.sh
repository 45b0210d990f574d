#!/usr/bin/env bash
# matching.sh -- a reply finds the exact delivery it answers (Maildir in
# and out, no root). One contact gets an older survey (fs26) and then a
# newer meeting invitation (mt26), both still open. Replies to each, and
# replies to the older one that kept only the thread or only the subject
# reference, are each recorded against their own campaign; a reply with
# the contact's old token alone (mail from before per-delivery tokens)
# is for a person to place, since two campaigns are open.
. "$(dirname "$0")/lib.sh"
make_tmp
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
S=$ANKETA_SRCDIR
[ -x "$ANKETA_BIN" ] || skip_all "$ANKETA_BIN not built"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
command -v jq >/dev/null || skip_all "jq not installed"
echo "1..10"
mkdir -p "$T/fs" "$T/mt"
maildir_conf "$T" <<CONF
[feedback]
enabled = no
CONF
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
printf 'email,name,municipality,country,language,groups,role\na@example.org,Anna,Gent,BE,en,m,official\n' >"$T/c.csv"
survey_campaign "$T/fs26.campaign" fs26 2099-12-20 m
printf '[campaign]\nname = mt26\nkind = invitation\ntemplate = invitation\ndeadline = 2099-12-31\n[audience]\ngroup = m\n[vars]\nevent_date = 14 January 2099\nvenue = Gent\n' >"$T/mt26.campaign"
A contacts import "$T/c.csv" >/dev/null &&
	A campaign add "$T/fs26.campaign" >/dev/null &&
	A campaign add "$T/mt26.campaign" >/dev/null
# the older campaign first, then the newer one
A send fs26 >"$T/send.log" 2>&1
mv "$T"/out/new/* "$T/fs/" 2>/dev/null
A send mt26 >>"$T/send.log" 2>&1
mv "$T"/out/new/* "$T/mt/" 2>/dev/null
fs=$(ls "$T"/fs/* 2>/dev/null | head -1)
mt=$(ls "$T"/mt/* 2>/dev/null | head -1)
sent() { [ -f "$fs" ] && [ -f "$mt" ] || { cat "$T/send.log"; return 1; }; }
ok "both campaigns reach the contact, the older first" sent
own_tokens() {
	local a b
	a=$(sed -n 's/^Reply-To: *//p' "$fs" | head -1)
	b=$(sed -n 's/^Reply-To: *//p' "$mt" | head -1)
	echo "fs26: $a, mt26: $b"
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]
}
ok "each mail carries a reply address of its own" own_tokens

# reply ORIGINAL NAME [SED]: a reply by reply.pl, its header edited by
# SED (a client that dropped the reply address, thread or subject)
printf '1\t5\n4\tThe school visits.\n5\tA homework club.\n10\tyes\n' >"$T/ans"
reply() {
	perl "$S/tests/integration/reply.pl" top "$1" "$T/ans" >"$T/$2.eml" ||
		return 1
	[ -z "${3:-}" ] || sed -i "1,/^\$/{$3}" "$T/$2.eml"
	cp "$T/$2.eml" "$T/in/tmp/$2" && mv "$T/in/tmp/$2" "$T/in/new/$2"
}
plain_to='s/^To: .*/To: organiser@example.org/'
no_ref='/^Subject:/s/ *\[ref:[^]]*\]//'
no_thread='/^In-Reply-To:/d;/^References:/d'
reply "$fs" older
reply "$mt" newer
reply "$fs" thread "$plain_to;$no_ref"
reply "$fs" subject "$plain_to;$no_thread"
# the newer campaign's reply address on a reply to the older mail
mt_to=$(sed -n 's/^Reply-To: *//p' "$mt" | head -1)
reply "$fs" mixed "s/^To: .*/To: $mt_to/;$no_ref"
# mail sent before per-delivery tokens carried the contact's token
ctok=$(sqlite3 "$T/a.db" "SELECT token FROM contacts WHERE email = 'a@example.org'")
reply "$fs" legacy "s/^To: .*/To: organiser+$ctok@example.org/;$no_ref;$no_thread"
A fetch >"$T/fetch.log" 2>&1

# NAME -> "campaign kind" of the inbound row fetched from in/new/NAME
row() {
	sqlite3 "$T/a.db" "SELECT coalesce(c.name, '-') || ' ' || i.kind FROM inbound i LEFT JOIN campaigns c ON c.id = i.campaign_id WHERE i.src_key LIKE '%/$1'"
}
ok "the reply to the older survey is its answers" eq "fs26 answers" "$(row older)"
ok "the reply to the newer invitation is the invitation's" \
	bash -c "r='$(row newer)'; echo \"\$r\"; case \$r in 'mt26 '*) exit 0;; esac; exit 1"
ok "a reply with only the thread finds the older survey" eq "fs26 answers" "$(row thread)"
ok "a reply with only the subject reference finds the older survey" eq "fs26 answers" "$(row subject)"
ok "the thread wins over another delivery's reply address" eq "fs26 answers" "$(row mixed)"
ok "the contact's old token with two campaigns open: for a person" \
	sql_is "a@example.org - unmatched" "$T/a.db" "SELECT coalesce(c.email, '-') || ' ' || coalesce(i.campaign_id, '-') || ' ' || i.kind FROM inbound i LEFT JOIN contacts c ON c.id = i.contact_id WHERE i.src_key LIKE '%/legacy'"
responded() {
	local a b
	a=$(A report --format json fs26 | jq .responses.responded)
	b=$(A report --format json mt26 | jq .responses.responded)
	echo "fs26 $a, mt26 $b"
	[ "$a" = 1 ] && [ "$b" != 1 ]
}
ok "the report counts the answers under the survey only" responded
note() {
	local r
	r=$(sqlite3 "$T/a.db" "SELECT reason FROM inbound WHERE src_key LIKE '%/mixed' OR src_key LIKE '%/legacy'")
	echo "$r"
	echo "$r" | grep -q 'thread kept' &&
		echo "$r" | grep -q '2 open campaigns and no thread'
}
ok "the reasons say which key was set aside" note
sed 's/^/# /' "$T/fetch.log" | tail -5
exit $((tap_failed > 0))
