#!/usr/bin/perl
# reply.pl STYLE ORIGINAL.eml ANSWERS [FROM] -- write to stdout a reply to
# ORIGINAL the way a real mail client does, for the integration tests.
#
# ANSWERS: one line per question, "N<TAB>value" (\n in value: newline).
# STYLE:   top      plain text typed above a Gmail "On ... wrote:" quote
#          inline   answers typed into the quoted form's "> A<n>:" lines
#          html     HTML-only (Gmail: gmail_quote blockquote of the HTML)
#          cp1251   top-posted, body and subject in windows-1251
#          outlook  top-posted above an Outlook "From: / Sent:" block
#          ooo      an out-of-office auto-reply (RFC 3834), answers unused
#          dsn      a Postfix bounce (RFC 3464) of ORIGINAL to FROM
use strict;
use warnings;
use MIME::QuotedPrint qw(decode_qp);
use MIME::Base64 qw(decode_base64 encode_base64);
use Encode qw(decode encode);

my ($style, $orig, $answers, $from) = @ARGV;
die "usage: reply.pl STYLE ORIGINAL ANSWERS [FROM]\n" unless $answers;

local $/;
open(my $fh, '<', $orig) or die "$orig: $!\n";
my $raw = <$fh>;
close $fh;
$raw =~ s/\r\n/\n/g;
my ($head, $body) = split(/\n\n/, $raw, 2);
$head =~ s/\n[ \t]+/ /g;
my %h;
for (split /\n/, $head) {
	$h{lc $1} //= $2 if /^([^:]+):\s*(.*)$/;
}

# The decoded text/plain and text/html parts of the original.
my %part;
sub walk {
	my ($hd, $bd) = @_;
	my ($ct) = $hd =~ /^content-type:\s*([^;\s]+)/im;
	$ct = lc($ct // 'text/plain');
	if ($ct =~ m{^multipart/}) {
		my ($b) = $hd =~ /boundary="?([^";\n]+)"?/i;
		for my $p (split /^--\Q$b\E(?:--)?\s*$/m, $bd) {
			$p =~ s/^\n//;
			next unless $p =~ /\S/;
			my ($ph, $pb) = split(/\n\n/, $p, 2);
			$ph =~ s/\n[ \t]+/ /g;
			walk($ph, $pb // '');
		}
		return;
	}
	my ($cte) = $hd =~ /^content-transfer-encoding:\s*(\S+)/im;
	$cte = lc($cte // '7bit');
	$bd = decode_qp($bd) if $cte eq 'quoted-printable';
	$bd = decode_base64($bd) if $cte eq 'base64';
	$bd =~ s/\r\n/\n/g;	# base64 carries the canonical CRLF text
	$part{$ct} //= decode('UTF-8', $bd);
}
walk($head, $body);
my $text = $part{'text/plain'} // die "$orig: no text/plain part\n";

open($fh, '<:encoding(UTF-8)', $answers) or die "$answers: $!\n";
my %ans;
for (split /\n/, <$fh>) {
	my ($n, $v) = split /\t/, $_, 2;
	next unless defined $v;
	$v =~ s/\\n/\n/g;
	$ans{$n} = $v;
}
close $fh;

my ($reply_to) = ($h{'reply-to'} // $h{from}) =~ /<?([^<>\s]+@[^<>\s]+)>?\s*$/;
my $to_addr = $reply_to;
$from = ($h{to} =~ /<?([^<>\s]+@[^<>\s]+)>?\s*$/)[0]
	unless defined $from && length $from;
my $date = 'Tue, 24 Nov 2026 10:15:00 +0200';
my $quote_intro = "On Mon, 23 Nov 2026 at 09:00, $h{from} wrote:";
my $answers_text = join('', map { "A$_: $ans{$_}\n" } sort { $a <=> $b } keys %ans);
(my $quoted = $text) =~ s/^/> /mg;
my $msgid = sprintf('<reply.%d.%d@client.example.net>', time, $$);

sub header {
	my ($subject, $ctype, $cte, $extra) = @_;
	return "From: $from\nTo: $to_addr\nSubject: $subject\nDate: $date\n"
	     . "Message-ID: $msgid\nIn-Reply-To: $h{'message-id'}\n"
	     . "References: $h{'message-id'}\nMIME-Version: 1.0\n"
	     . ($extra // '')
	     . "Content-Type: $ctype\nContent-Transfer-Encoding: $cte\n\n";
}

sub utf8_out { binmode STDOUT, ':encoding(UTF-8)'; print @_; }

if ($style eq 'top') {
	utf8_out(header("Re: $h{subject}", 'text/plain; charset=UTF-8', '8bit'),
		 "$answers_text\nBest regards\n\n$quote_intro\n$quoted");
} elsif ($style eq 'inline') {
	my $q = $quoted;
	for my $n (keys %ans) {
		my $v = $ans{$n};
		$v =~ s/\n/\n> /g;
		$q =~ s/^> A$n:[ \t]*$/> A$n: $v/m;
	}
	utf8_out(header("Re: $h{subject}", 'text/plain; charset=UTF-8', '8bit'),
		 "Please find my answers in the form below.\n\n$quote_intro\n$q");
} elsif ($style eq 'outlook') {
	(my $plain = $text) =~ s/^/    /mg;
	my $n = join('', map { "$_. $ans{$_}\n" } sort { $a <=> $b } keys %ans);
	utf8_out(header("RE: $h{subject}", 'text/plain; charset=UTF-8', '8bit'),
		 "$answers_text\nKind regards,\nMunicipality\n\n"
		 . "-----Original Message-----\nFrom: $h{from}\n"
		 . "Sent: Monday, November 23, 2026 9:00 AM\nTo: $from\n"
		 . "Subject: $h{subject}\n\n$text");
} elsif ($style eq 'html') {
	my $html = $part{'text/html'} // die "$orig: no text/html part\n";
	my $mine = join('', map { my $v = $ans{$_}; $v =~ s/&/&amp;/g;
		$v =~ s/</&lt;/g; $v =~ s/\n/<br>/g; "<div>A$_: $v</div>\n" }
		sort { $a <=> $b } keys %ans);
	my $b64 = encode_base64(encode('UTF-8',
		"<div dir=\"ltr\">$mine<div><br></div><div>Groeten</div></div>"
		. "<br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">"
		. "$quote_intro<br></div><blockquote class=\"gmail_quote\" "
		. "style=\"margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);"
		. "padding-left:1ex\">$html</blockquote></div>\n"));
	print header("Re: $h{subject}", 'text/html; charset="UTF-8"', 'base64'), $b64;
} elsif ($style eq 'cp1251') {
	my $subj = '=?windows-1251?B?' . encode_base64(encode('cp1251',
		"Отг: Въпросник"), '') . '?=';
	print header("$subj $h{subject}", 'text/plain; charset=windows-1251',
		     '8bit'),
	      encode('cp1251', "$answers_text\nПоздрави\n\nНа 23.11.2026 г. "
		     . "в 9:00, $h{from} написа:\n$quoted");
} elsif ($style eq 'ooo') {
	utf8_out(header("Automatická odpověď: $h{subject}",
			'text/plain; charset=UTF-8', '8bit',
			"Auto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\n"),
		 "Dobrý den,\n\njsem mimo kancelář do 30. 11. 2026.\n");
} elsif ($style eq 'dsn') {
	my ($rcpt) = $h{to} =~ /<?([^<>\s]+@[^<>\s]+)>?\s*$/;
	print "From: MAILER-DAEMON\@mail.example.net (Mail Delivery System)\n"
	    . "To: $to_addr\nSubject: Undelivered Mail Returned to Sender\n"
	    . "Date: $date\nMessage-ID: $msgid\nAuto-Submitted: auto-replied\n"
	    . "MIME-Version: 1.0\nContent-Type: multipart/report; "
	    . "report-type=delivery-status; boundary=\"B1\"\n\n"
	    . "--B1\nContent-Type: text/plain\n\nThis is the mail system at "
	    . "host mail.example.net.\n\nI'm sorry to have to inform you that "
	    . "your message could not\nbe delivered to one or more recipients.\n\n"
	    . "<$rcpt>: host mx.example.net said: 550 5.1.1 User unknown\n\n"
	    . "--B1\nContent-Type: message/delivery-status\n\n"
	    . "Reporting-MTA: dns; mail.example.net\n\n"
	    . "Final-Recipient: rfc822; $rcpt\nAction: failed\nStatus: 5.1.1\n"
	    . "Diagnostic-Code: smtp; 550 5.1.1 <$rcpt>: User unknown\n\n"
	    . "--B1\nContent-Type: text/rfc822-headers\n\n$head\n\n--B1--\n";
} else {
	die "reply.pl: unknown style '$style'\n";
}
