/* fetch_imap.c: not written yet */
