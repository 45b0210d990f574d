/* fetch.h: not written yet */
