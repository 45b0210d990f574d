#!/usr/bin/perl
# mails.pl OUTDIR MESSAGE...: the text and HTML parts of each message,
# decoded, as OUTDIR/NAME.txt and OUTDIR/NAME.html (NAME: the file's base
# name); prints one line per part written.
use strict; use warnings;
use MIME::Base64; use MIME::QuotedPrint;
my $dir = shift;
for my $f (@ARGV) {
	open my $fh, '<', $f or die "$f: $!";
	local $/; my $raw = <$fh>; close $fh;
	$raw =~ s/\r\n/\n/g;
	(my $name = $f) =~ s{.*/}{}; $name =~ s/[^A-Za-z0-9._-]/_/g;
	while ($raw =~ /^Content-Type:\s*text\/(plain|html)[^\n]*\n(?:[ \t][^\n]*\n)*(?:[^\n]+\n)*?Content-Transfer-Encoding:\s*(\S+)\n(?:[^\n]+\n)*\n(.*?)(?=\n--|\z)/msgi) {
		my ($type, $cte, $d) = (lc $1, lc $2, $3);
		$d = decode_base64($d) if $cte eq 'base64';
		$d = decode_qp($d) if $cte eq 'quoted-printable';
		my $ext = $type eq 'plain' ? 'txt' : 'html';
		open my $o, '>', "$dir/$name.$ext" or die "$dir/$name.$ext: $!";
		binmode $o; print $o $d; close $o;
		print "$dir/$name.$ext\n";
	}
}
