/*
 * answers_private.h -- shared by answers.c (finding problems) and
 * answers_text.c (their texts); not for other modules.
 */
#ifndef ANKETA_ANSWERS_PRIVATE_H
#define ANKETA_ANSWERS_PRIVATE_H

#include "receive/answers.h"
#include "base/buf.h"

/* The English staff reason of p, "Q3: 'maybe' is not one of a, b, c",
 * appended to out. */
void answers_reason_en(const struct answers_pinfo *p, struct buf *out);

#endif
