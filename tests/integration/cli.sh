#!/usr/bin/env bash
# cli.sh -- the command line as an organiser meets it: help, versions,
# exit codes (sysexits), and every bad input named with FILE:LINE: reason
# while nothing already accepted is lost.
. "$(dirname "$0")/lib.sh"
make_tmp
trap 'rm -rf "$T"' EXIT
echo "1..18"
S=$ANKETA_SRCDIR
write_conf "$T/a.conf" "$T/a.db" "maildir:$T/out" </dev/null
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
rc() { local want=$1; shift; "$@"; local got=$?; eq "$want" "$got"; }

ok "--version" bash -c "'$ANKETA_BIN' --version | grep -q '^anketa [0-9]'"
ok "--help lists the commands" bash -c "'$ANKETA_BIN' --help | grep -q 'contacts import'"
helps() { for c in "config check" "contacts import" "contacts list" "survey check" "survey show" "campaign add" "campaign check" "campaign list" send fetch report inspect status run; do
	"$ANKETA_BIN" $c --help | grep -q "^usage: anketa" || { echo "no help for $c"; return 1; }; done; }
ok "every command has --help" helps
ok "unknown command: exit 64" rc 64 "$ANKETA_BIN" frobnicate
ok "config check: OK" bash -c "'$ANKETA_BIN' -c '$T/a.conf' config check | grep -q 'configuration OK'"
printf '[smtp]\nurl = ftp://x\ntimeout = soon\n' >"$T/bad.conf"
ok "config check: errors with FILE:LINE, exit 78" \
	out_rc 78 "$T/bad.conf:3: [smtp] timeout = soon" "$ANKETA_BIN" -c "$T/bad.conf" config check
ok "survey check: shipped questionnaires are valid" A survey check "$S/surveys/field-study.xml" "$S/surveys/exchange-visit-feedback.xml"
cat >"$T/bad.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<survey id="x" fallback="en">
  <title xml:lang="en">T</title>
  <question id="q1" type="sometimes">
    <text xml:lang="en">Q</text>
  </question>
</survey>
XML
ok "survey check: an invalid file names FILE:LINE, exit 65" \
	out_rc 65 "$T/bad.xml:4: question 'q1': unknown type 'sometimes'" A survey check "$T/bad.xml"

printf 'email,name,municipality,country,language,groups,role\nok@example.org,Ok,Kavarna,BG,bg,a,official\n' >"$T/good.csv"
ok "contacts import: a good file" A contacts import "$T/good.csv"
printf 'email,name,municipality,country,language,groups,role\nnew@example.org,New,Gent,BE,nl,a,official\nnot-an-address,X,Gent,BE,nl,a,official\n"unterminated,X,Gent,BE,nl,a,official\n' >"$T/bad.csv"
badcsv() { A contacts import "$T/bad.csv" 2>&1; }
ok "contacts import: bad rows named FILE:LINE" bash -c "$(declare -f A badcsv); T=$T ANKETA_BIN=$ANKETA_BIN; badcsv | grep -q '$T/bad.csv:3:'"
ok "contacts import: all or nothing (exit 65, the good row not imported)" bash -c "'$ANKETA_BIN' -c '$T/a.conf' contacts import '$T/bad.csv' >/dev/null 2>&1; [ \$? = 65 ] && ! '$ANKETA_BIN' -c '$T/a.conf' contacts list --format csv | grep -q new@example.org && '$ANKETA_BIN' -c '$T/a.conf' contacts list --format csv | grep -q ok@example.org"
ok "contacts import --skip-invalid imports the rest" bash -c "'$ANKETA_BIN' -c '$T/a.conf' contacts import --skip-invalid '$T/bad.csv' >/dev/null 2>&1; '$ANKETA_BIN' -c '$T/a.conf' contacts list --format csv | grep -q new@example.org"
printf '[campaign]\nname = c1\nkind = survey\nquestionnaire = %s/surveys/field-study.xml\ntemplate = nosuchset\ndeadline = 2026-13-45\n' "$S" >"$T/bad.campaign"
ok "campaign check: every problem with FILE:LINE" bash -c "out=\$('$ANKETA_BIN' -c '$T/a.conf' campaign check '$T/bad.campaign' 2>&1); echo \"\$out\"; echo \"\$out\" | grep -q '$T/bad.campaign:5:' && echo \"\$out\" | grep -q '$T/bad.campaign:6:'"
ok "report on an unknown campaign: exit 65" rc 65 A report nosuch
ok "survey check without a config: the schema beside the file" bash -c "cd / && env -u ANKETA_CONFIG '$ANKETA_BIN' survey check '$S/surveys/field-study.xml' | grep -q 'OK (field-study-2026'"
printf '[campaign]\nname = c2\nquestionnaire = %s/surveys/field-study.xml\ntemplate = survey\nreference = FS\ndeadline = 2099-12-15\n[audience]\ngroup = a\n' "$S" >"$T/c2.campaign"
listed() { A campaign add "$T/c2.campaign" >/dev/null && A send c2 >/dev/null; A campaign list | grep -E '^c2 +survey +open +FS +2099-12-15 +2 sent +0 failed +0 to go'; }
ok "campaign list: name, kind, reference, deadline, progress" listed
# reference and deadline are optional: a listing or a report shows "-"
# or nothing for them, never a crash
printf '[campaign]\nname = c3\nquestionnaire = %s/surveys/field-study.xml\ntemplate = survey\n[audience]\ngroup = a\n' "$S" >"$T/c3.campaign"
bare() {
	local out f
	A campaign add "$T/c3.campaign" >/dev/null || return 1
	out=$(A campaign list) || { echo "campaign list: exit $?"; return 1; }
	echo "$out"
	grep -qE '^c3 +survey +draft +- +- +0 sent +0 failed +0 to go' <<<"$out" || return 1
	for f in text csv json html; do
		A report --format $f c3 >/dev/null || { echo "report --format $f: exit $?"; return 1; }
	done
}
ok "campaign list and report: no reference, no deadline" bare
ok "send on an unknown campaign: no summary, the reason, exit 69" bash -c "out=\$('$ANKETA_BIN' -c '$T/a.conf' send nosuch 2>&1); r=\$?; echo \"\$out\"; [ \$r = 69 ] && echo \"\$out\" | grep -q 'no such campaign' && ! echo \"\$out\" | grep -q planned"
exit 0
