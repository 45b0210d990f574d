/* submit.h: not written yet */
