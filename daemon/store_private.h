/* store_private.h: not written yet */
