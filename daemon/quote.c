/* quote.c: not written yet */
