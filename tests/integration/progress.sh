#!/usr/bin/env bash
# progress.sh -- progress of long foreground work: `contacts import`,
# `send` and `fetch` on a terminal (script(1) gives them one) rewrite one
# line in place ("\r", the figures, clear to the end of the line) and end
# it with a newline before their summary; without a terminal they write
# plain lines (ANKETA_PROGRESS_MS=0: one at every step) and never "\r";
# with the default interval a short run adds no line at all. Maildir
# transport and source, no mail servers.
# KEEP=1 keeps the temporary directory.
. "$(dirname "$0")/lib.sh"
[ -n "${ANKETA_SKIP_INTEGRATION:-}" ] && skip_all "ANKETA_SKIP_INTEGRATION set"
command -v script >/dev/null || skip_all "script (util-linux) missing"
command -v python3 >/dev/null || skip_all "python3 missing"
[ -x "$ANKETA_BIN" ] || skip_all "$ANKETA_BIN not built"
make_tmp
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
echo "1..8"
S=$ANKETA_SRCDIR
maildir_conf "$T" </dev/null
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
# onterm CMD...: anketa CMD on a terminal (script(1)); what the terminal
# got is in $T/tty
onterm() {
	script -q -e -c "$(printf '%q ' "$ANKETA_BIN" -c "$T/a.conf" "$@")" \
		/dev/null >"$T/tty" </dev/null
}
# offterm CMD...: anketa CMD into $T/plain, a line at every step
offterm() { ANKETA_PROGRESS_MS=0 A "$@" >"$T/plain"; }
# 600 contacts: enough rows for several steps
python3 - "$T/c.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("email,name,municipality,country,language,groups,role\n")
    for i in range(600):
        f.write(f"p{i}@example.org,P {i},Gent,BE,en,d,official\n")
PY
survey_campaign "$T/d1.campaign" d1 2099-12-20 d

# rewritten: FILE has the line WHAT: ... of TOTAL redrawn with \r and
# cleared to its end, the last figures ending in a newline before SUMMARY
rewritten() {
	python3 - "$1" "$2" "$3" "$4" <<'PY'
import re, sys
text, what, total, summary = open(sys.argv[1], "rb").read().decode(), sys.argv[2], sys.argv[3], sys.argv[4]
print(repr(text[:300]))
draws = re.findall(r"\r(%s: [^\r\n\x1b]*)\x1b\[K" % what, text)
assert draws, "no line redrawn"
assert draws[-1].startswith(f"{what}: {total} of {total} (100%)"), draws[-1]
# the last draw ends its line; the summary follows on the next one
end = text.rindex("\x1b[K") + 3
assert re.match(r"\r?\n" + re.escape(summary), text[end:]), text[end:end + 80]
PY
}
# plain: FILE has whole WHAT lines, the last at TOTAL (or "any" total),
# and no \r
plain() {
	python3 - "$1" "$2" "$3" <<'PY'
import sys
text, what, total = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
print(repr(text[:300]))
assert "\r" not in text and "\x1b" not in text
lines = [l for l in text.splitlines() if l.startswith(what + ": ")]
assert len(lines) >= 2, lines
# "any": a Maildir pass may look at what it recorded before, too
n = lines[-1].split()[1] if total == "any" else total
assert lines[-1].startswith(f"{what}: {n} of {n} (100%)"), lines[-1]
PY
}

ok "import on a terminal: one line rewritten, then the summary" \
	bash -c "$(declare -f onterm rewritten); ANKETA_BIN='$ANKETA_BIN' T='$T'; onterm contacts import '$T/c.csv' && rewritten '$T/tty' importing 600 '$T/c.csv: 600 rows'"
ok "import again without a terminal, every step shown: plain lines" \
	bash -c "$(declare -f A offterm plain); ANKETA_BIN='$ANKETA_BIN' T='$T'; offterm contacts import '$T/c.csv' && plain '$T/plain' importing 600"
ok "a short run without a terminal adds no line" \
	eq "$T/c.csv: 600 rows, 0 added, 600 updated, 0 skipped" "$(A contacts import "$T/c.csv")"

A campaign add "$T/d1.campaign" >/dev/null
ok "send on a terminal: the hand-overs counted on one line" \
	bash -c "$(declare -f onterm rewritten); ANKETA_BIN='$ANKETA_BIN' T='$T'; onterm send --limit 300 d1; rewritten '$T/tty' sending 300 'd1: 600 planned'"
ok "send without a terminal: plain lines" \
	bash -c "$(declare -f A offterm plain); ANKETA_BIN='$ANKETA_BIN' T='$T'; offterm send d1; plain '$T/plain' sending 300"
ok "every message went, once" eq 600 "$(ls "$T/out/new" | wc -l)"

# replies to fetch: messages from strangers in the source
# strangers FIRST COUNT: messages FIRST.. in the source's new/
strangers() {
	python3 - "$T/in/new" "$1" "$2" <<'PY'
import sys
for i in range(int(sys.argv[2]), int(sys.argv[2]) + int(sys.argv[3])):
    with open(f"{sys.argv[1]}/1700000000.M{i}P1.t", "w") as f:
        f.write(f"From: s{i}@example.net\nTo: organiser@example.org\n"
                f"Subject: note {i}\nMessage-ID: <n{i}@example.net>\n\nhello\n")
PY
}
strangers 0 300
ok "fetch on a terminal: one line rewritten" \
	bash -c "$(declare -f onterm rewritten); ANKETA_BIN='$ANKETA_BIN' T='$T'; onterm fetch --limit 260 --no-feedback; rewritten '$T/tty' fetching 260 'fetched 260'"
strangers 300 300
ok "fetch without a terminal: plain lines" \
	bash -c "$(declare -f A offterm plain); ANKETA_BIN='$ANKETA_BIN' T='$T'; offterm fetch --no-feedback; plain '$T/plain' fetching any"
[ $tap_failed = 0 ]
