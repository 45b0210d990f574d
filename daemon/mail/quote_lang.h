/*
 * quote_lang.h -- the words quote.c takes as extra evidence, per language
 * (en bg cs nl de fr es pt it pl da no sv fi hu ro el ru uk zh ja ko).
 * quote.c recognises quote headers, header blocks and signatures first by
 * their shape (an address, a date, a closing ':', a rule of dashes); these
 * lists only add evidence or name what no shape reveals.
 *
 * Use:     quote_words(QW_WROTE, &n)   an array of n lower-case strings
 * Owns:    static tables; nothing to free.
 * Errors:  none.
 * Events:  none (pure).
 * Tests:   tests/unit/test_parse.c (quote table, reply corpora).
 */
#ifndef ANKETA_QUOTE_LANG_H
#define ANKETA_QUOTE_LANG_H

#include <stddef.h>

enum quote_wordlist {
	QW_ON,		/* attribution openers: "on ", "am ", "dne ", "на " */
	QW_WROTE,	/* attribution verbs: "wrote", "napsal", "написа" */
	QW_ORIGINAL,	/* "original message" separators (no dashes) */
	QW_FORWARD,	/* "forwarded message" separators and intros */
	QW_FROM,	/* first field of a header block: "from:", "от:" */
	QW_FIELD,	/* any field of a header block: "sent:", "относно:" */
	QW_SENT,	/* "sent from my ..." line openers */
	QW_SEND_VERB,	/* words of such a line: "sent", "odesláno" */
	QW_DEVICE,	/* what it was sent from: "iphone", "android" */
	QW_CLOSING,	/* closings: "kind regards", "s pozdravem" */
	QW_CONTACT,	/* labels of a contact block: "phone", "e-mail" */
};

const char *const *quote_words(enum quote_wordlist which, size_t *n_r);

#endif
