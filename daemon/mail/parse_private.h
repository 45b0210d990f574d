/*
 * parse_private.h -- shared by parse.c (the MIME walk) and parse_decode.c
 * (the body decodings); not for other modules. Returned strings are the
 * caller's (free()).
 */
#ifndef ANKETA_PARSE_PRIVATE_H
#define ANKETA_PARSE_PRIVATE_H

#include <stddef.h>

/* 0-15 for a hex digit of either case, else -1. */
int parse_hexval(int c);
/* Quoted-printable: "=XX" and soft breaks; a bad escape stays literal.
 * *out_len gets the length (the result is also NUL-terminated). */
char *parse_qp_decode(const char *s, size_t len, size_t *out_len);
/* base64, skipping anything outside the alphabet; *damaged_r is set
 * when the data was cut short or mangled. */
char *parse_b64_decode(const char *s, size_t len, size_t *out_len,
		       int *damaged_r);
/* format=flowed text unwrapped into paragraphs; delsp removes the space
 * before each soft break. */
char *parse_flowed_unwrap(const char *s, int delsp);

#endif
