#!/usr/bin/env bash
# demo.sh -- runs scripts/demo (the README's first command) on the binary
# under test and checks the numbers it prints: the embedded default path
# (SQLite + Maildir transport and source) end to end.
. "$(dirname "$0")/lib.sh"
make_tmp
trap 'rm -rf "$T"' EXIT
echo "1..8"
DEMO_DIR=$T/run ANKETA_BIN=$ANKETA_BIN "$ANKETA_SRCDIR/scripts/demo" >"$T/demo.out" 2>&1
rc=$?
ok "scripts/demo exits 0" eq 0 "$rc"
ok "every contact got a message, none twice" bash -c "n=\$(ls '$T/run/outbox/new' | wc -l); c=\$(grep -c 'field-study' '$ANKETA_SRCDIR/contrib/contacts-sample.csv'); [ \"\$n\" = \"\$c\" ] || { echo \"\$n messages for \$c contacts\"; exit 1; }"
ok "fetch: 5 answers, 1 unreadable, 1 auto-reply, 1 bounce" grep -q "fetched 8: 5 answers, 0 rsvp, 1 bounces, 1 auto-replies, 0 opt-outs, 0 unmatched, 1 unreadable" "$T/demo.out"
ok "the report was printed" grep -qi "response" "$T/demo.out"
ok "Cyrillic free text reached the report" grep -q "Обучение на здравни медиатори" "$T/demo.out"
# the digest staff would receive closes the demo: the campaign's rate,
# the new free text with its municipality, and the unreadable reply with
# the command that acts on it
digest=$(sed -n '/anketa digest --stdout/,$p' "$T/demo.out")
ok "the digest gives the response rate" grep -q "Responded: 5 / 6 delivered (83.3%)" <<<"$digest"
ok "the digest lists new free text with its municipality" grep -q "\[Каварна\] Обучение на здравни медиатори" <<<"$digest"
ok "the digest names the command for what needs a person" grep -q "anketa review show [0-9]" <<<"$digest"
sed 's/^/# /' "$T/demo.out" | tail -60
exit 0
