/*
 * fuzz_quote.c -- parse_split_reply on arbitrary text: the quote, quote
 * header and signature splitter every reply goes through. Both results
 * must be strings, and neither may be longer than the input plus a line
 * break per input line (the splitter only removes and re-joins lines).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mail/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	char *new_text = NULL, *quoted = NULL;
	size_t len = strlen(text), lines = 1;

	for (const char *p = text; *p; p++)
		lines += *p == '\n' || *p == '\r';
	parse_split_reply(text, &new_text, &quoted);
	if (new_text == NULL || quoted == NULL)
		abort();
	if (fuzz_touch(new_text) > len + lines ||
	    fuzz_touch(quoted) > len + lines)
		abort();
	free(new_text);
	free(quoted);
	free(text);
	return 0;
}
