/* fetch_maildir.c: not written yet */
