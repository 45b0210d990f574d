/* charset.h: not written yet */
