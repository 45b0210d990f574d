import base64, quopri
def b64(s):
    e=base64.b64encode(s.encode()).decode()
    return "\n".join(e[i:i+76] for i in range(0,len(e),76))
def crlf(s): return s.replace("\n","\r\n")
FLE="""BEGIN:VTIMEZONE
TZID:FLE Standard Time
BEGIN:STANDARD
DTSTART:16010101T040000
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""
def exchange(name, subj, method, ps, dtstart, dtend, extra="", comment="\\n"):
    ics=f"""BEGIN:VCALENDAR
METHOD:{method}
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
{FLE}BEGIN:VEVENT
ATTENDEE;PARTSTAT={ps};CN=Ivan Petrov:mailto:ivan.petrov@kavarna.example
COMMENT;LANGUAGE=en-US:{comment}
SUMMARY;LANGUAGE=en-US:{subj}
DTSTART;TZID=FLE Standard Time:{dtstart}
DTEND;TZID=FLE Standard Time:{dtend}
UID:ev-7f3a2@anketa.example.org
CLASS:PUBLIC
PRIORITY:5
DTSTAMP:20261001T091240Z
TRANSP:OPAQUE
STATUS:CONFIRMED
SEQUENCE:1
LOCATION;LANGUAGE=en-US:Kavarna town hall
{extra}X-MICROSOFT-CDO-APPT-SEQUENCE:1
X-MICROSOFT-CDO-OWNERAPPTID:2120987654
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY
X-MICROSOFT-CDO-ALLDAYEVENT:FALSE
X-MICROSOFT-CDO-IMPORTANCE:1
X-MICROSOFT-CDO-INSTTYPE:0
X-MICROSOFT-DISALLOW-COUNTER:FALSE
END:VEVENT
END:VCALENDAR
"""
    eml=f"""From: Ivan Petrov <ivan.petrov@kavarna.example>
To: Platform <rsvp+k7Qm2x@anketa.example.org>
Subject: {subj}
Thread-Topic: Exchange visit Kavarna - Ghent
Date: Thu, 01 Oct 2026 09:12:44 +0000
Message-ID: <AM0PR01MB1234567{name}@AM0PR01MB1234.eurprd01.prod.outlook.com>
Content-Language: en-US
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
Content-Type: multipart/alternative;
	boundary="_000_AM0PR01MB1234567_"
MIME-Version: 1.0

--_000_AM0PR01MB1234567_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable



--_000_AM0PR01MB1234567_
Content-Type: text/calendar; charset="utf-8"; method={method}
Content-Transfer-Encoding: base64

{b64(ics)}

--_000_AM0PR01MB1234567_--
"""
    open(name+".eml","w",newline="").write(crlf(eml))

exchange("outlook_accept","Accepted: Exchange visit Kavarna - Ghent","REPLY","ACCEPTED","20261015T100000","20261015T120000")
exchange("outlook_decline","Declined: Exchange visit Kavarna - Ghent","REPLY","DECLINED","20261015T100000","20261015T120000",comment="Sorry, the council meets that day.")
exchange("outlook_counter","New Time Proposed: Exchange visit Kavarna - Ghent","COUNTER","TENTATIVE","20261016T140000","20261016T160000",
  extra="X-MS-OLK-ORIGINALSTART;TZID=FLE Standard Time:20261015T100000\nX-MS-OLK-ORIGINALEND;TZID=FLE Standard Time:20261015T120000\n")

def gmail(name, ps, word):
    ics=f"""BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:REPLY
BEGIN:VEVENT
DTSTART:20261015T070000Z
DTEND:20261015T090000Z
DTSTAMP:20261001T101500Z
ORGANIZER;CN=Platform:mailto:rsvp+Jd83kq@anketa.example.org
UID:ev-7f3a2@anketa.example.org
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={ps};CN=Marie Novakova;
 X-NUM-GUESTS=0:mailto:marie.novakova@gmail.example
CREATED:20261001T090000Z
DESCRIPTION:
LAST-MODIFIED:20261001T101500Z
LOCATION:Kavarna town hall
SEQUENCE:1
STATUS:CONFIRMED
SUMMARY:Exchange visit Kavarna - Ghent
TRANSP:OPAQUE
END:VEVENT
END:VCALENDAR
"""
    eml=f"""MIME-Version: 1.0
Date: Thu, 01 Oct 2026 10:15:02 +0000
Message-ID: <0000000000002b7c1d05f{name}@google.com>
Subject: {word}: Exchange visit Kavarna - Ghent @ Thu 15 Oct 2026 10:00 - 12:00 (EEST)
	(rsvp+Jd83kq@anketa.example.org)
From: Marie Novakova <marie.novakova@gmail.example>
To: rsvp+Jd83kq@anketa.example.org
Content-Type: multipart/mixed; boundary="0000000000002b7c1b05f0a1b2c3"

--0000000000002b7c1b05f0a1b2c3
Content-Type: multipart/alternative; boundary="0000000000002b7c1a05f0a1b2c3"

--0000000000002b7c1a05f0a1b2c3
Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes

Marie Novakova has {word.lower()} this invitation.

--0000000000002b7c1a05f0a1b2c3
Content-Type: text/calendar; charset="UTF-8"; method=REPLY
Content-Transfer-Encoding: 7bit

{ics}
--0000000000002b7c1a05f0a1b2c3--
--0000000000002b7c1b05f0a1b2c3
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

{b64(ics.replace(chr(10),chr(13)+chr(10)))}
--0000000000002b7c1b05f0a1b2c3--
"""
    open(name+".eml","w",newline="").write(crlf(eml))
gmail("gmail_accept","ACCEPTED","Accepted")
gmail("gmail_tentative","TENTATIVE","Tentatively Accepted")

def tb(name, ps, word):
    ics=f"""BEGIN:VCALENDAR
PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN
VERSION:2.0
METHOD:REPLY
BEGIN:VTIMEZONE
TZID:Europe/Sofia
BEGIN:STANDARD
TZNAME:EET
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
DTSTART:19701025T040000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
TZNAME:EEST
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
DTSTART:19700329T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
CREATED:20261001T110000Z
LAST-MODIFIED:20261001T110502Z
DTSTAMP:20261001T110502Z
UID:ev-7f3a2@anketa.example.org
SUMMARY:Exchange visit Kavarna - Ghent
ORGANIZER;CN=Platform:mailto:rsvp+Pq19zz@anketa.example.org
ATTENDEE;RSVP=TRUE;CN=Jan de Vries;PARTSTAT={ps};ROLE=REQ-PARTICIPANT:mailto:
 jan.devries@gent.example
DTSTART;TZID=Europe/Sofia:20261015T100000
DTEND;TZID=Europe/Sofia:20261015T120000
LOCATION:Kavarna town hall
SEQUENCE:1
TRANSP:OPAQUE
END:VEVENT
END:VCALENDAR
"""
    eml=f"""Content-Type: multipart/mixed; boundary="------------8jv0wTYGKUXcHEMabwQ2ShD4"
Message-ID: <3b1f0c2a-{name}@gent.example>
Date: Thu, 1 Oct 2026 13:05:02 +0200
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
From: Jan de Vries <jan.devries@gent.example>
To: rsvp+Pq19zz@anketa.example.org
Subject: {word}: Exchange visit Kavarna - Ghent

This is a multi-part message in MIME format.
--------------8jv0wTYGKUXcHEMabwQ2ShD4
Content-Type: multipart/alternative;
 boundary="------------mQ3cD0Xf5n2y5GdtBQ1x9a7P"

--------------mQ3cD0Xf5n2y5GdtBQ1x9a7P
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Jan de Vries has {word.lower()} your event invitation.

--------------mQ3cD0Xf5n2y5GdtBQ1x9a7P
Content-Type: text/calendar; method=REPLY; charset=UTF-8
Content-Transfer-Encoding: 8bit

{ics}
--------------mQ3cD0Xf5n2y5GdtBQ1x9a7P--
--------------8jv0wTYGKUXcHEMabwQ2ShD4
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

{b64(ics.replace(chr(10),chr(13)+chr(10)))}
--------------8jv0wTYGKUXcHEMabwQ2ShD4--
"""
    open(name+".eml","w",newline="").write(crlf(eml))
tb("thunderbird_decline","DECLINED","Declined")

# Apple Calendar delegating (RFC 5546 4.2.5: the delegator's REPLY)
ics="""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Apple Inc.//macOS 15.0//EN
CALSCALE:GREGORIAN
METHOD:REPLY
BEGIN:VEVENT
UID:ev-7f3a2@anketa.example.org
DTSTAMP:20261002T081000Z
SEQUENCE:1
DTSTART;TZID=Europe/Sofia:20261015T100000
DTEND;TZID=Europe/Sofia:20261015T120000
SUMMARY:Exchange visit Kavarna - Ghent
ORGANIZER;CN=Platform:mailto:rsvp+Zz01ab@anketa.example.org
ATTENDEE;CN=Petra Svobodova;PARTSTAT=DELEGATED;DELEGATED-TO="mailto:tomas.
 dvorak@brno.example":mailto:petra.svobodova@brno.example
ATTENDEE;CN=Tomas Dvorak;PARTSTAT=NEEDS-ACTION;DELEGATED-FROM="mailto:petra.
 svobodova@brno.example";RSVP=TRUE:mailto:tomas.dvorak@brno.example
END:VEVENT
END:VCALENDAR
"""
eml=f"""From: Petra Svobodova <petra.svobodova@brno.example>
Content-Type: multipart/alternative;
	boundary="Apple-Mail=_5E1B2C3D-1111-2222-3333-444455556666"
Mime-Version: 1.0 (Mac OS X Mail 16.0)
Subject: Delegated: Exchange visit Kavarna - Ghent
Date: Fri, 2 Oct 2026 10:10:00 +0200
Message-Id: <A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF@brno.example>
To: rsvp+Zz01ab@anketa.example.org

--Apple-Mail=_5E1B2C3D-1111-2222-3333-444455556666
Content-Transfer-Encoding: 7bit
Content-Type: text/plain;
	charset=us-ascii

Petra Svobodova has delegated the event to Tomas Dvorak.
--Apple-Mail=_5E1B2C3D-1111-2222-3333-444455556666
Content-Transfer-Encoding: quoted-printable
Content-Type: text/calendar;
	charset=utf-8;
	method=REPLY;
	name=reply.ics
Content-Disposition: attachment;
	filename=reply.ics

{quopri.encodestring(ics.encode()).decode()}
--Apple-Mail=_5E1B2C3D-1111-2222-3333-444455556666--
"""
open("apple_delegate.eml","w",newline="").write(crlf(eml))
