#!/usr/bin/env bash
# sendopts.sh -- send's options do what they say: --kind takes only kinds
# of campaign mail (a bogus one used to re-send the whole campaign), and
# --dry-run writes nothing to the store (it used to leave pending rows).
. "$(dirname "$0")/lib.sh"
make_tmp
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
echo "1..8"
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

# pacing per recipient domain: [queue] domain_per_hour = 2
mkdir -p "$T"/out2/{tmp,new,cur}
write_conf "$T/p.conf" "$T/p.db" "maildir:$T/out2" <<CONF
[queue]
domain_per_hour = 2
CONF
P() { "$ANKETA_BIN" -c "$T/p.conf" "$@"; }
{
	echo "email,name,municipality,country,language,groups,role"
	for i in 1 2 3 4 5; do echo "p$i@pace.example,P $i,Gent,BE,en,g,official"; done
	echo "o1@other.example,O 1,Gent,BE,en,g,official"
} >"$T/p.csv"
P contacts import "$T/p.csv" >/dev/null && P campaign add "$T/c1.campaign" >/dev/null
P send c1 >/dev/null 2>&1
ok "paced: two of one domain and the other domain's one go now" eq 3 "$(ls "$T/out2/new" | wc -l)"
hours() { sqlite3 "$T/p.db" "SELECT group_concat((not_before - queued) / 3600, ' ') FROM (SELECT * FROM deliveries WHERE state = 'pending' ORDER BY id)"; }
ok "paced: the rest waits one and two hours (not_before)" eq "1 1 2" "$(hours)"
P queue retry --all >/dev/null
P send c1 >/dev/null 2>&1
ok "paced: a retry now sends the rest, each once" eq 6 "$(grep -h '^Delivered-To:' "$T"/out2/new/* | sort -u | wc -l)"
exit $((tap_failed > 0))
