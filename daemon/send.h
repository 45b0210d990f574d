/* send.h: not written yet */
