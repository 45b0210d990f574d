#!/usr/bin/env bash
# diskfull.sh -- a store on a full disk: a sender that cannot commit stops
# handing messages over (the old send went on handing 256 messages to the
# server while every outcome failed to commit, and 232 of them went out
# twice once space was freed). The store lives on a small tmpfs (root);
# the disk fills up during the send; after space is freed a second send
# completes the campaign with one message per contact.
. "$(dirname "$0")/lib.sh"
make_tmp
mnt=$T/fs
cleanup() {
	mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$mnt"
[ "$(id -u)" = 0 ] || skip_all "needs root to mount a small tmpfs"
mount -t tmpfs -o size=16m tmpfs "$mnt" 2>/dev/null || skip_all "cannot mount tmpfs"
echo "1..5"
S=$ANKETA_SRCDIR
mkdir -p "$T"/out/{tmp,new,cur}
write_conf "$T/a.conf" "$mnt/a.db" "maildir:$T/out" </dev/null
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
{
	echo "email,name,municipality,country,language,groups,role"
	for i in $(seq 1 400); do echo "r$i@example.org,R $i,Gent,BE,en,g,official"; done
} >"$T/c.csv"
printf '[campaign]\nname = c1\nquestionnaire = %s/surveys/exchange-visit-feedback.xml\ntemplate = survey\ndeadline = 2030-12-20\n[audience]\ngroup = g\n' "$S" >"$T/c1.campaign"
A contacts import "$T/c.csv" >/dev/null && A campaign add "$T/c1.campaign" >/dev/null
A send --limit 1 c1 >/dev/null 2>&1	# plan all 400, send one
# leave a little room: the WAL grows with every hand-over and outcome
# until the disk is full in the middle of the run
dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null	# until it is full
truncate -s -160K "$mnt/fill"

A send c1 >"$T/full.out" 2>&1
rc=$?
ok "send on a full disk stops with an error" test $rc -ne 0
full_said() { grep -qi "full" "$T/full.out" || { cat "$T/full.out"; return 1; }; }
ok "and says the disk is full" full_said
handed=$(ls "$T/out/new" | wc -l)
recorded=$(sqlite3 "$mnt/a.db" "select count(*) from deliveries where state in ('sent', 'sending', 'unknown')" 2>/dev/null || echo 0)
# what reached the Maildir beyond what the store knows of: at most the
# one message whose outcome could not be committed
beyond() {
	echo "handed over $handed, recorded as handed $recorded"
	[ "$handed" -ge 1 ] && [ "$handed" -lt 400 ] && [ $((handed - recorded)) -le 1 ]
}
ok "nothing handed over beyond what the store recorded (one at most)" beyond

rm -f "$mnt/fill"
A send c1 >"$T/after.out" 2>&1
A queue retry --all >/dev/null 2>&1
A send c1 >>"$T/after.out" 2>&1
everyone() {
	local n
	n=$(grep -h '^Delivered-To:' "$T"/out/new/* | sort -u | wc -l)
	[ "$n" = 400 ] || { echo "$n of 400 contacts got the mail"; return 1; }
}
ok "after freeing space every contact has the mail" everyone
# the one message whose answer could not be recorded may go twice (as
# after a crash between hand-over and outcome); it is named in the log
twice() {
	local d
	d=$(grep -h '^Delivered-To:' "$T"/out/new/* | sort | uniq -d | wc -l)
	echo "$d contacts got two"
	[ "$d" -le 1 ] || return 1
	[ "$d" = 0 ] || grep -q "could not be recorded.*it will be sent again" "$T/full.out"
}
ok "at most the one message whose answer was not recorded went twice, and the log says so" twice
exit $((tap_failed > 0))
