/*
 * rsvp_text.h -- an answer to an invitation written by a person instead
 *                of a calendar button ("Да, ще присъствам", "ja, ik kom",
 *                "unfortunately I cannot attend"), and the one-click
 *                mailto: answers anketa puts in its invitations.
 *
 * Use:     ps = rsvp_text_read(reply_text)     ACCEPTED / DECLINED /
 *                                              TENTATIVE / NONE
 *          uri = rsvp_mailto(reply_addr, ICAL_PS_ACCEPTED, "FS26", "bg")
 *          ps = rsvp_mailto_read(subject)      the choice of such a reply
 * Owns:    rsvp_mailto returns a string the caller frees with free().
 *          Everything else is static or the caller's.
 * Errors:  none: text that says nothing clear is ICAL_PS_NONE (unknown),
 *          so a person reads it; rsvp_mailto returns NULL only for a
 *          choice that is not one of the three.
 * Events:  none (pure).
 * Method:  the text is the reply's own text (quote already removed),
 *          lower-cased with Cyrillic and Czech letters folded; its first
 *          few sentences are matched against the phrases of bg, cs, nl
 *          and en (all languages at once: officials answer in another
 *          language than the invitation's often enough). A negation
 *          before a positive phrase ("не мога да присъствам", "nemohu
 *          přijet", "kan niet komen", "cannot attend") turns it into a
 *          decline; a maybe-word ("може би", "možná", "misschien",
 *          "maybe", "not sure") makes it tentative; both yes and no in
 *          one answer is unknown.
 * Mailto:  mailto:REPLY?subject=RSVP%20ACCEPTED%20[ref:FS26]&body=...:
 *          the reply address is the delivery's (its token identifies the
 *          person and the invitation); the subject keyword "RSVP
 *          ACCEPTED|DECLINED|TENTATIVE" is the same in every language,
 *          the body a localised sentence that rsvp_text_read also reads.
 *          Never an HTTP link: mail scanners open every link.
 * Tests:   tests/unit/test_rsvp_text.c (phrases of every language, every
 *          4th held out, tuned and held-out accuracy printed)
 */
#ifndef ANKETA_RSVP_TEXT_H
#define ANKETA_RSVP_TEXT_H

#include "mail/ical.h"

/* ICAL_PS_ACCEPTED, ICAL_PS_DECLINED, ICAL_PS_TENTATIVE or ICAL_PS_NONE. */
enum ical_partstat rsvp_text_read(const char *text);

/* A mailto: URI (RFC 6068, percent-encoded UTF-8) answering with choice
 * (accepted, declined or tentative) to reply_addr; reference (may be
 * NULL) goes into the subject as "[ref:REFERENCE]"; lang (bg, cs, nl,
 * en; others fall back to en) picks the body sentence. Caller frees. */
char *rsvp_mailto(const char *reply_addr, enum ical_partstat choice,
		  const char *reference, const char *lang);

/* The choice of a subject made by rsvp_mailto (after a client's "Re: "
 * or "AW: " and RFC 2047 decoding), or ICAL_PS_NONE. */
enum ical_partstat rsvp_mailto_read(const char *subject);

#endif
