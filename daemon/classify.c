/* classify.c: not written yet */
