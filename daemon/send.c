/* send.c: not written yet */
