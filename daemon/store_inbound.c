/* store_inbound.c: not written yet */
