/* charset.c: not written yet */
