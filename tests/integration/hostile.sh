#!/usr/bin/env bash
# hostile.sh -- what a careless or hostile contact list does, end to end
# through the command line (Maildir transport, no mail stack): bad bytes
# refused with FILE:LINE, one contact whose message cannot be built fails
# alone while the others are sent (a 1,000-letter name among them, within
# 998 octets a line), and the reports show the data safely: CSV cells a
# spreadsheet would evaluate guarded, no escape sequence on a terminal.
. "$(dirname "$0")/lib.sh"
make_tmp
trap 'rm -rf "$T"' EXIT
echo "1..7"
S=$ANKETA_SRCDIR
write_conf "$T/a.conf" "$T/a.db" "maildir:$T/out" </dev/null
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
esc=$'\e'

# nul_refused: a NUL would have cut the name short and been imported
nul_refused() {
	local out rc
	printf 'email,name\nok@example.org,Ok\nbad@example.org,Ann\0Evil\n' >"$T/nul.csv"
	out=$(A contacts import "$T/nul.csv" 2>&1); rc=$?
	echo "$out"
	eq 65 "$rc" && grep -qF "$T/nul.csv:3: a NUL byte in field 2" <<<"$out" &&
		! A contacts list --format csv | grep -q example.org
}
ok "contacts import: a NUL byte is refused with FILE:LINE, nothing imported" nul_refused

# esc_refused: the reason names the character; the error output itself
# passes no escape to the terminal
esc_refused() {
	local out rc
	printf 'email,name\nok@example.org,Ok\nbad@example.org,%s]0;owned\a\n' "$esc" >"$T/esc.csv"
	out=$(A contacts import "$T/esc.csv" 2>&1); rc=$?
	echo "$out" | cat -v
	eq 65 "$rc" && grep -qF "$T/esc.csv:3: the name contains a control character (U+001B)" <<<"$out" &&
		! grep -q "$esc" <<<"$out"
}
ok "contacts import: an escape in a name is refused with FILE:LINE" esc_refused

long=$(printf 'L%.0s' $(seq 1000))
{
	echo "email,name,municipality,country,language,groups,role"
	echo "ann@example.org,Ann,Gent,BE,en,h,x"
	echo "long@example.org,$long,Gent,BE,en,h,x"
	echo "evil@example.org,Evil,Gent,BE,en,h,x"
	echo "-info@example.org,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",@Gent,BE,en,h,x"
} >"$T/h.csv"
printf '[campaign]\nname = hostile\nquestionnaire = %s/surveys/field-study.xml\ntemplate = survey\n[audience]\ngroup = h\n' "$S" >"$T/h.campaign"
# a name the import refuses, as a store written before that check holds it
A contacts import "$T/h.csv" >/dev/null && A campaign add "$T/h.campaign" >/dev/null &&
	sqlite3 "$T/a.db" "UPDATE contacts SET name = 'Evil' || char(13, 10) || 'Bcc: victim@example.org' WHERE email = 'evil@example.org'" ||
	echo "# setup failed"

# one_fails_alone: evil's message cannot be built: that row fails with
# the reason, the other three are sent (exit 75: something failed)
one_fails_alone() {
	local out rc
	out=$(A send hostile 2>&1); rc=$?
	echo "$out"
	eq 75 "$rc" &&
		grep -q '^hostile: 4 planned, 3 handed over, 3 sent, 1 failed' <<<"$out" &&
		grep -qF 'to evil@example.org failed: message to evil@example.org: To: display name is not one line of UTF-8' <<<"$out" &&
		eq 3 "$(find "$T/out/new" -type f | wc -l)" &&
		eq "failed" "$(sqlite3 "$T/a.db" "SELECT d.state FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE c.email = 'evil@example.org'")" &&
		! grep -rq victim@ "$T/out/new"
}
ok "send: one contact's unbuildable message fails alone, the others are sent" one_fails_alone

# long_name_ok: every line within 998 octets, and the To: name decodes
# back to the 1,000 letters
long_name_ok() {
	python3 - "$T/out/new" "$long" <<'PY'
# decode_header follows RFC 2047 6.2 (white space between encoded-words
# is dropped); policy.default's parser puts a space there in a phrase
import email, email.header, email.utils, os, sys
d, want = sys.argv[1], sys.argv[2]
found = False
for f in os.listdir(d):
    raw = open(os.path.join(d, f), 'rb').read()
    for n, line in enumerate(raw.split(b'\r\n')):
        if len(line) > 998:
            sys.exit('%s: line %d has %d octets' % (f, n + 1, len(line)))
    to = email.message_from_bytes(raw)['To']
    to = ''.join(p.decode(c or 'ascii') if isinstance(p, bytes) else p
                 for p, c in email.header.decode_header(to))
    name, addr = email.utils.parseaddr(to)
    if addr == 'long@example.org':
        found = True
        if name != want:
            sys.exit('To: decodes to %r' % name[:80])
if not found:
    sys.exit('no message to long@example.org')
PY
}
ok "send: a 1,000-letter name gives a valid To: within 998 octets a line" long_name_ok

# csv_guarded: the formula in a name and the leading - and @ are text
csv_guarded() {
	local out
	out=$(A report --format csv hostile) || return 1
	echo "$out"
	grep -qF "'-info@example.org,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",'@Gent," <<<"$out" &&
		out=$(A contacts list --format csv) && grep -qF "'-info@example.org,\"'=HYPERLINK(" <<<"$out"
}
ok "report and contacts list as CSV: cells a spreadsheet would evaluate are guarded" csv_guarded

# text_safe: the stored CR LF never reaches the terminal as such
text_safe() {
	local out
	out=$(A report hostile) || return 1
	echo "$out" | cat -v
	! grep -q $'\r' <<<"$out" && grep -q "Evil"$'\xef\xbf\xbd\xef\xbf\xbd'"Bcc: victim@example.org" <<<"$out" &&
		out=$(A contacts list) && ! grep -q $'\r' <<<"$out"
}
ok "report and contacts list as text: control characters shown as U+FFFD" text_safe

# reimport: the guarded CSV imported again changes nothing
reimport() {
	sqlite3 "$T/a.db" "UPDATE contacts SET name = 'Evil' WHERE email = 'evil@example.org'"
	A contacts list --format csv >"$T/again.csv" || return 1
	A contacts list --format json >"$T/before.json"
	A contacts import "$T/again.csv" || return 1
	A contacts list --format json >"$T/after.json"
	diff "$T/before.json" "$T/after.json"
}
ok "contacts list --format csv imported again changes nothing" reimport
exit 0
