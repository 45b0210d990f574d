/* submit.c: not written yet */
