#!/usr/bin/env bash
# sendopts.sh -- send's options do what they say: --kind takes only kinds
# of campaign mail (a bogus one used to re-send the whole campaign), and
# --dry-run writes nothing to the store (it used to leave pending rows).
. "$(dirname "$0")/lib.sh"
make_tmp
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
echo "1..5"
S=$ANKETA_SRCDIR
mkdir -p "$T"/out/{tmp,new,cur}
write_conf "$T/a.conf" "$T/a.db" "maildir:$T/out" </dev/null
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
printf 'email,name,municipality,country,language,groups,role\na@example.org,Anna,Gent,BE,en,g,official\nb@example.org,Борис,Каварна,BG,bg,g,official\n' >"$T/c.csv"
printf '[campaign]\nname = c1\nquestionnaire = %s/surveys/exchange-visit-feedback.xml\ntemplate = survey\ndeadline = 2030-12-20\n[audience]\ngroup = g\n' "$S" >"$T/c1.campaign"
A contacts import "$T/c.csv" >/dev/null && A campaign add "$T/c1.campaign" >/dev/null
dump() { sqlite3 "$T/a.db" .dump | grep -v '^INSERT INTO owners'; }

dump >"$T/before"
A send --dry-run --preview "$T/pv" c1 >"$T/dry.out" 2>&1
dump >"$T/after"
ok "a dry run renders every message" eq 2 "$(ls "$T/pv" | wc -l)"
ok "a dry run writes nothing to the store" cmp "$T/before" "$T/after"

A send --kind bogus c1 >"$T/bogus.out" 2>&1
rc=$?
bogus() { [ $rc = 64 ] && grep -q "kind 'bogus'" "$T/bogus.out" && [ "$(ls "$T/out/new" | wc -l)" = 0 ]; }
ok "send --kind bogus is refused and sends nothing" bogus

A send c1 >/dev/null 2>&1
A send c1 >/dev/null 2>&1
A send --kind invite c1 >/dev/null 2>&1
ok "three sends of one campaign: one message per contact" eq 2 "$(ls "$T/out/new" | wc -l)"
ok "the outbox is empty afterwards" eq "" "$(A queue)"
exit $((tap_failed > 0))
