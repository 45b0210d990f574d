/* bounce.c: not written yet */
