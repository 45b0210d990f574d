/* quote.h: not written yet */
