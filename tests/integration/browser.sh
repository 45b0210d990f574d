#!/usr/bin/env bash
# browser.sh -- what staff and contacts see, checked as a person would:
# every generated mail (each template set -- survey invitation and
# reminder, meeting invitation, confirmation, problem note -- in each
# language of templates/) and the HTML report are rendered in headless
# Chromium at 375 and 1280 px wide, off the network (the flags of
# shared/LIBRARIES.md). Each page must load without a console error, the
# report must have a chart for every closed, scale and number question,
# and the labels of every chart must not overlap (measured in the page by
# a script added to a copy of it). Every text part and the text report
# keep within 78 characters a line, a URL alone on its line excepted.
# The PNG screenshots stay in $ARTEFACTS (default tests/artefacts/browser
# under the directory make check runs in) as test artefacts.
# Installs nothing: without chromium (scripts/deps test) it skips, exit 77.
# Run alone: ANKETA_BIN=build/dev/anketa tests/integration/browser.sh
. "$(dirname "$0")/lib.sh"
S=$ANKETA_SRCDIR
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
# SKIP: a TAP plan of none (make check's TAP driver reads it) and exit
# 77; under make check the status is 0 (BROWSER_SKIP_STATUS), as the
# driver takes any other for an error.
skip77() {
	echo "1..0 # SKIP $*"
	exit "${BROWSER_SKIP_STATUS:-77}"
}
[ -n "$CHROMIUM" ] ||
	skip77 "chromium not installed (scripts/deps test installs it)"
[ -x "$ANKETA_BIN" ] || skip77 "$ANKETA_BIN not built"
make_tmp
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
ARTEFACTS=${ARTEFACTS:-$PWD/tests/artefacts/browser}
rm -rf "$ARTEFACTS" && mkdir -p "$ARTEFACTS" "$T/parts" "$T/inv"
maildir_conf "$T" <<CONF
[sender]
name = Exchange team
[feedback]
enabled = yes
max_per_day = 5
CONF
A() { "$ANKETA_BIN" -c "$T/a.conf" "$@"; }
langs=$(cd "$S/templates/survey" && ls -d */ | tr -d /)
{
	echo 'email,name,municipality,country,language,groups,role'
	i=0
	for l in $langs; do
		i=$((i + 1))
		echo "$l$i@example.org,Person $l,Town $i,BG,$l,m,official"
	done
} >"$T/c.csv"
survey_campaign "$T/s.campaign" s26 2099-12-20 m
printf '[campaign]\nname = mt26\nkind = invitation\ntemplate = invitation\ndeadline = 2099-12-31\n[audience]\ngroup = m\n[vars]\nevent_date = 14 January 2099\nvenue = Gent\n' >"$T/mt.campaign"
A contacts import "$T/c.csv" >/dev/null && A campaign add "$T/s.campaign" >/dev/null &&
	A campaign add "$T/mt.campaign" >/dev/null
# keep KIND: the mail just sent, as $T/inv/KIND-LANGn (its recipient)
keep() {
	local f to
	for f in "$T"/out/new/*; do
		[ -f "$f" ] || continue
		to=$(sed -n 's/^To:.*[< ]\([a-z]*[0-9]*\)@example.org.*/\1/p' "$f" | head -1)
		mv "$f" "$T/inv/$1-${to:-x}"
	done
}
A send s26 >"$T/send.log" 2>&1
keep survey
A send mt26 >>"$T/send.log" 2>&1
keep invitation
A send --kind reminder s26 >>"$T/send.log" 2>&1
keep reminder
# a good reply (confirmation) and a bad one (problem note) per language
i=0
for f in "$T"/inv/survey-*; do
	n=$(basename "$f")
	i=$((i + 1))
	printf '1\t5\n2\t4\n7\t%s\n4\tThe school visits and a long answer that goes on and on, so that the confirmation that repeats it has a long line to wrap.\n5\tA homework club.\n10\tyes\n' $((i * 23)) >"$T/good"
	printf '1\tseven\n' >"$T/bad"
	perl "$S/tests/integration/reply.pl" top "$f" "$T/good" >"$T/in/tmp/g$n" &&
		mv "$T/in/tmp/g$n" "$T/in/new/g$n"
done
A fetch >"$T/fetch.log" 2>&1; A send --all >>"$T/fetch.log" 2>&1
keep confirm
for f in "$T"/inv/survey-*; do
	n=$(basename "$f")
	perl "$S/tests/integration/reply.pl" top "$f" "$T/bad" >"$T/in/tmp/b$n" &&
		mv "$T/in/tmp/b$n" "$T/in/new/b$n"
done
A fetch >>"$T/fetch.log" 2>&1; A send --all >>"$T/fetch.log" 2>&1
keep problem
perl "$S/tests/integration/mails.pl" "$T/parts" "$T"/inv/* >"$T/parts.list"
A report --format html s26 >"$T/parts/report.html" 2>"$T/report.err"
A report s26 >"$T/report.txt" 2>>"$T/report.err"
A report --anonymise --k 1 --format html s26 >"$T/parts/report-anon.html" 2>>"$T/report.err"
echo "1..6"
nhtml=$(ls "$T"/parts/*.html | wc -l)
ntxt=$(ls "$T"/parts/*.txt | wc -l)
# each of the 4 kinds of mail in every language, and the reports
enough() {
	echo "$nhtml HTML, $ntxt text parts; languages: $langs"
	cat "$T/send.log" "$T/report.err"
	[ "$ntxt" -ge $((4 * $(echo $langs | wc -w))) ] &&
		[ "$nhtml" -ge $((ntxt + 2)) ]
}
ok "every template set in every language was generated" enough

# widest line of each text, in characters, unless one word alone
width() {
	perl -CSD -e 'my $bad = 0;
	for my $f (@ARGV) { open my $h, "<", $f or die; my $n = 0;
	  while (<$h>) { $n++; s/\r?\n\z//; next if length($_) <= 78;
	    next if /^\s*\S+\s*\z/;	# one unbreakable word (a URL)
	    print "$f:$n: ", length($_), " characters: $_\n"; $bad++ } }
	exit($bad ? 1 : 0)' "$@"
}
ok "every text part keeps within 78 characters a line" width "$T"/parts/*.txt
ok "the text report keeps within 78 characters a line" width "$T/report.txt"

# chrome FILE WIDTH PNG: a screenshot, console messages in FILE.WIDTH.log
chrome() {
	local prof
	prof=$(mktemp -d "$T/prof.XXXXXX")
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --disable-quic \
		--user-data-dir="$prof" --host-resolver-rules="MAP * ~NOTFOUND" \
		--enable-logging=stderr --v=0 --hide-scrollbars \
		--window-size="$2,2400" --screenshot="$3" "file://$1" \
		>"$1.$2.log" 2>&1
}
shots() {
	local f w bad=0
	for f in "$T"/parts/*.html; do
		for w in 375 1280; do
			chrome "$f" "$w" "$ARTEFACTS/$(basename "$f" .html)-$w.png" ||
				{ echo "$f at $w: chromium failed"; tail -5 "$f.$w.log"; bad=1; }
			[ -s "$ARTEFACTS/$(basename "$f" .html)-$w.png" ] ||
				{ echo "$f at $w: no screenshot"; bad=1; }
		done
	done
	return $bad
}
ok "every page renders at 375 and 1280 px, screenshots in $ARTEFACTS" shots
console() {
	# a page's own errors: CONSOLE lines, and resources it failed to load
	! grep -H -E 'CONSOLE|Uncaught|Failed to load resource|net::ERR' \
		"$T"/parts/*.log
}
ok "no page logs a console error or asks for a resource" console

# the report: a chart per closed, scale and number question, and no two
# labels of a chart overlapping (measured by a script in a copy)
cat >"$T/measure.js" <<'JS'
window.addEventListener('load', function () {
  var bad = [], charts = document.querySelectorAll('svg');
  charts.forEach(function (svg) {
    var t = Array.prototype.slice.call(svg.querySelectorAll('text'))
      .map(function (e) { return [e, e.getBoundingClientRect()]; });
    for (var i = 0; i < t.length; i++) for (var j = i + 1; j < t.length; j++) {
      var a = t[i][1], b = t[j][1];
      if (a.width && b.width && a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
          a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
        bad.push(t[i][0].textContent + ' / ' + t[j][0].textContent);
    }
  });
  var q = document.querySelectorAll('div.q'), nochart = [];
  q.forEach(function (d) {
    var meta = d.querySelector('p.meta');
    if (meta && !/^text/.test(meta.textContent) && !d.querySelector('svg'))
      nochart.push(d.id);
  });
  var p = document.createElement('pre'); p.id = 'measured';
  p.textContent = 'questions=' + q.length + ' charts=' + charts.length +
    ' nochart=' + nochart.length + ' ' + nochart.join(',') +
    ' overlaps=' + bad.length + ' ' + bad.join('; ');
  document.body.appendChild(p);
});
JS
measure() {
	local f=$1 w=$2 m
	sed 's|</body>|<script src="measure.js"></script></body>|' "$f" >"$T/m.html"
	m=$(timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --disable-quic \
		--user-data-dir="$(mktemp -d "$T/prof.XXXXXX")" \
		--host-resolver-rules="MAP * ~NOTFOUND" --window-size="$w,2400" \
		--dump-dom "file://$T/m.html" 2>/dev/null |
		sed -n 's/.*<pre id="measured">\([^<]*\)<.*/\1/p')
	echo "$(basename "$f") at $w: $m"
	case $m in *' nochart=0 '*' overlaps=0 '*) ;; *) return 1 ;; esac
	case $m in 'questions=0 '*|*' charts=0 '*) return 1 ;; esac
}
report_charts() {
	local w bad=0
	for w in 375 1280; do
		measure "$T/parts/report.html" $w || bad=1
		measure "$T/parts/report-anon.html" $w || bad=1
	done
	return $bad
}
ok "the report has a chart per question and no overlapping labels" report_charts
[ "$tap_failed" = 0 ]
