/* mime.h: not written yet */
