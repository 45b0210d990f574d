/* bounce.h: not written yet */
