/* fetch_private.h: not written yet */
